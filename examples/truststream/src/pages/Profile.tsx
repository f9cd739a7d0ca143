import { useState } from 'react'
import { useParams } from 'react-router-dom'
import { useQuery } from '@tanstack/react-query'
import { fetchProfileByUsername, searchProfiles } from '../api/profiles'
import { LoadingSpinner } from '../components/LoadingSpinner'

export default function Profile() {
  const { username } = useParams()
  const [q, setQ] = useState('')

  const profile = useQuery({
    queryKey: ['profile', username],
    queryFn: () => fetchProfileByUsername(username!),
    enabled: Boolean(username),
  })

  // Fires on every keystroke: no debounce.
  const results = useQuery({
    queryKey: ['profile-search', q],
    queryFn: () => searchProfiles(q),
    enabled: q.length > 0,
  })

  if (profile.isLoading) return <LoadingSpinner />

  return (
    <section>
      {profile.data && (
        <div className="card">
          <img src={profile.data.avatar_url ?? '/favicon.svg'} alt={profile.data.username} width={96} height={96} />
          <h1>@{profile.data.username}</h1>
          <p>{profile.data.bio}</p>
          <p>Trust score: {profile.data.trust_score.toFixed(1)}</p>
        </div>
      )}

      <label>
        Find people
        <input value={q} onChange={(e) => setQ(e.target.value)} placeholder="username" />
      </label>
      <ul>
        {results.data?.map((p) => (
          <li key={p.id}>
            @{p.username} ({p.trust_score.toFixed(1)})
          </li>
        ))}
      </ul>
    </section>
  )
}
