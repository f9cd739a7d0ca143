import { supabase } from '../lib/supabase'

export interface LeaderboardRow {
  user_id: string
  score: number
  profiles: { username: string } | null
}

export async function fetchLeaderboard(): Promise<LeaderboardRow[]> {
  const { data, error } = await supabase
    .from('quiz_attempts')
    .select('user_id, score, profiles(username)')
    .order('score', { ascending: false })
  if (error) throw error
  return data as unknown as LeaderboardRow[]
}
