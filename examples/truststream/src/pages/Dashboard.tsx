import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { fetchLatestContent, fetchTrendingContent, likeContent } from '../api/content'
import { fetchNotifications } from '../api/notifications'
import { ContentCard } from '../components/ContentCard'
import { LoadingSpinner } from '../components/LoadingSpinner'
import { useSession } from '../hooks/useSession'

export default function Dashboard() {
  const session = useSession()
  const userId = session?.user.id
  const [page, setPage] = useState(0)

  const latest = useQuery({
    queryKey: ['latest', page],
    queryFn: () => fetchLatestContent(page),
  })

  const trending = useQuery({
    queryKey: ['trending'],
    queryFn: fetchTrendingContent,
  })

  const notifications = useQuery({
    queryKey: ['notifications', userId],
    queryFn: () => fetchNotifications(userId!),
    enabled: Boolean(userId),
  })

  if (latest.isLoading) return <LoadingSpinner />

  const unread = notifications.data?.filter((n) => !n.read_at).length ?? 0

  return (
    <section>
      <h1>Your feed</h1>
      <p>{unread} unread notifications</p>

      <h2>Trending</h2>
      <ul>
        {(trending.data ?? []).map((t: { id: string; title: string; interaction_count: number }) => (
          <li key={t.id}>
            {t.title} ({t.interaction_count})
          </li>
        ))}
      </ul>

      <h2>Latest</h2>
      {latest.data?.map((item) => (
        <ContentCard key={item.id} item={item} onLike={(id) => userId && likeContent(id, userId)} />
      ))}

      <nav style={{ display: 'flex', gap: '1rem' }}>
        <button type="button" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
          Newer
        </button>
        <button type="button" onClick={() => setPage((p) => p + 1)}>
          Older
        </button>
      </nav>
    </section>
  )
}
