import { useEffect } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { supabase } from '../lib/supabase'

// One channel per signed-in user for their notifications.
export function useNotificationsRealtime(userId: string | undefined) {
  const queryClient = useQueryClient()

  useEffect(() => {
    if (!userId) return

    const channel = supabase
      .channel(`notifications:${userId}`)
      .on(
        'postgres_changes',
        { event: 'INSERT', schema: 'public', table: 'notifications', filter: `user_id=eq.${userId}` },
        () => {
          queryClient.invalidateQueries({ queryKey: ['notifications', userId] })
        },
      )
      .subscribe()

    return () => {
      supabase.removeChannel(channel)
    }
  }, [userId, queryClient])
}

// Every viewer of a community page listens to all content changes in it.
export function useCommunityContentRealtime(communityId: string | undefined) {
  const queryClient = useQueryClient()

  useEffect(() => {
    if (!communityId) return

    const channel = supabase
      .channel(`community-content:${communityId}`)
      .on(
        'postgres_changes',
        { event: '*', schema: 'public', table: 'content', filter: `community_id=eq.${communityId}` },
        () => {
          queryClient.invalidateQueries({ queryKey: ['feed', communityId] })
        },
      )
      .subscribe()

    return () => {
      supabase.removeChannel(channel)
    }
  }, [communityId, queryClient])
}
