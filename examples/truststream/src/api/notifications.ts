import { supabase } from '../lib/supabase'

export interface Notification {
  id: string
  user_id: string
  content_id: string | null
  kind: 'like' | 'comment' | 'mention' | 'community'
  message: string
  read_at: string | null
  created_at: string
}

export async function fetchNotifications(uid: string): Promise<Notification[]> {
  const { data, error } = await supabase
    .from('notifications')
    .select('*')
    .eq('user_id', uid)
    .order('created_at', { ascending: false })

  if (error) throw error
  return data as Notification[]
}

export async function markAllRead(uid: string) {
  const { error } = await supabase
    .from('notifications')
    .update({ read_at: new Date().toISOString() })
    .eq('user_id', uid)
    .is('read_at', null)
  if (error) throw error
}
