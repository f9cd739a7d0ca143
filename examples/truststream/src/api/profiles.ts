import { supabase } from '../lib/supabase'

export interface Profile {
  id: string
  username: string
  avatar_url: string | null
  bio: string | null
  trust_score: number
}

export async function fetchProfileByUsername(username: string): Promise<Profile | null> {
  const { data, error } = await supabase
    .from('profiles')
    .select('id, username, avatar_url, bio, trust_score')
    .eq('username', username)
    .maybeSingle()
  if (error) throw error
  return data
}

export async function searchProfiles(q: string): Promise<Profile[]> {
  const { data, error } = await supabase
    .from('profiles')
    .select('id, username, avatar_url, bio, trust_score')
    .ilike('username', `%${q}%`)
    .order('trust_score', { ascending: false })
    .limit(25)
  if (error) throw error
  return data as Profile[]
}

export async function updateAvatar(userId: string, file: File) {
  const path = `${userId}/${Date.now()}-${file.name}`
  const { error: uploadError } = await supabase.storage.from('avatars').upload(path, file)
  if (uploadError) throw uploadError

  const { data } = supabase.storage.from('avatars').getPublicUrl(path)
  const { error } = await supabase.from('profiles').update({ avatar_url: data.publicUrl }).eq('id', userId)
  if (error) throw error
  return data.publicUrl
}
