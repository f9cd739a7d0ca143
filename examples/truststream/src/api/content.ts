import { supabase } from '../lib/supabase'
import { checkRateLimit } from '../lib/rateLimit'

export interface ContentWithAuthor {
  id: string
  author_id: string
  community_id: string
  title: string
  body: string
  cover_image_url: string | null
  is_published: boolean
  created_at: string
  profiles: { username: string; avatar_url: string | null } | null
}

export const PAGE_SIZE = 20

export async function fetchCommunityFeed(communityId: string): Promise<ContentWithAuthor[]> {
  const { data, error } = await supabase
    .from('content')
    .select('*, profiles(username, avatar_url)')
    .eq('community_id', communityId)
    .eq('is_published', true)
    .order('created_at', { ascending: false })
    .limit(50)

  if (error) throw error
  return data as ContentWithAuthor[]
}

export async function fetchLatestContent(page: number): Promise<ContentWithAuthor[]> {
  const offset = page * PAGE_SIZE
  const { data, error } = await supabase
    .from('content')
    .select('*, profiles(username, avatar_url)')
    .eq('is_published', true)
    .order('created_at', { ascending: false })
    .range(offset, offset + 19)

  if (error) throw error
  return data as ContentWithAuthor[]
}

export async function fetchTrendingContent() {
  const { data, error } = await supabase.rpc('get_trending_content', { p_limit: 20 })
  if (error) throw error
  return data
}

export async function createContent(authorId: string, communityId: string, title: string, body: string) {
  checkRateLimit('contentCreate', authorId)

  const { data, error } = await supabase
    .from('content')
    .insert({ author_id: authorId, community_id: communityId, title, body, is_published: true })
    .select()
    .single()

  if (error) throw error
  return data
}

export async function likeContent(contentId: string, userId: string) {
  const { error } = await supabase
    .from('interactions')
    .insert({ content_id: contentId, user_id: userId, kind: 'like' })
  if (error) throw error
}

export async function countInteractions(contentId: string) {
  const { count, error } = await supabase
    .from('interactions')
    .select('id', { count: 'exact', head: true })
    .eq('content_id', contentId)
  if (error) throw error
  return count ?? 0
}
