import { supabase } from '../lib/supabase'

export interface Community {
  id: string
  slug: string
  name: string
  description: string | null
  member_count: number
}

export async function fetchCommunities(): Promise<Community[]> {
  const { data, error } = await supabase
    .from('communities')
    .select('id, slug, name, description, member_count')
    .order('member_count', { ascending: false })
    .limit(100)
  if (error) throw error
  return data as Community[]
}

export async function fetchMembers(communityId: string) {
  const { data, error } = await supabase
    .from('community_members')
    .select('user_id, role, joined_at, profiles(username, avatar_url)')
    .eq('community_id', communityId)
    .order('joined_at', { ascending: true })
    .range(0, 99)
  if (error) throw error
  return data
}

export async function joinCommunity(communityId: string, userId: string) {
  const { error } = await supabase
    .from('community_members')
    .insert({ community_id: communityId, user_id: userId, role: 'member' })
  if (error) throw error
}
