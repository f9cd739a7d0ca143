import { Link, useParams } from 'react-router-dom'
import { useQuery } from '@tanstack/react-query'
import { fetchCommunities, fetchMembers } from '../api/communities'
import { fetchCommunityFeed } from '../api/content'
import { ContentCard } from '../components/ContentCard'
import { LoadingSpinner } from '../components/LoadingSpinner'
import { useCommunityContentRealtime } from '../hooks/useRealtime'

export default function Communities() {
  const { communityId } = useParams()
  useCommunityContentRealtime(communityId)

  const communities = useQuery({ queryKey: ['communities'], queryFn: fetchCommunities })
  const feed = useQuery({
    queryKey: ['feed', communityId],
    queryFn: () => fetchCommunityFeed(communityId!),
    enabled: Boolean(communityId),
  })
  const members = useQuery({
    queryKey: ['members', communityId],
    queryFn: () => fetchMembers(communityId!),
    enabled: Boolean(communityId),
  })

  if (communities.isLoading) return <LoadingSpinner />

  return (
    <div style={{ display: 'grid', gridTemplateColumns: '240px 1fr', gap: '1.5rem' }}>
      <aside>
        <h2>Communities</h2>
        <ul>
          {communities.data?.map((c) => (
            <li key={c.id}>
              <Link to={`/communities/${c.id}`}>{c.name}</Link> <small>{c.member_count} members</small>
            </li>
          ))}
        </ul>
      </aside>
      <section>
        {communityId ? (
          <>
            <p>{members.data?.length ?? 0} members shown</p>
            {feed.data?.map((item) => <ContentCard key={item.id} item={item} />)}
          </>
        ) : (
          <p>Pick a community to see its posts.</p>
        )}
      </section>
    </div>
  )
}
