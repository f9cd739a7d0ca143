import { useQuery } from '@tanstack/react-query'
import { fetchLeaderboard } from '../api/leaderboard'

export function useLeaderboard() {
  return useQuery({
    queryKey: ['leaderboard'],
    queryFn: fetchLeaderboard,
    refetchInterval: 30_000,
  })
}
