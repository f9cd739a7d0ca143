import { useLeaderboard } from '../hooks/useLeaderboard'

export default function Leaderboard() {
  const { data, isLoading } = useLeaderboard()

  if (isLoading) return <p>Loading leaderboard…</p>

  return (
    <section>
      <h1>Leaderboard</h1>
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>Student</th>
            <th>Score</th>
          </tr>
        </thead>
        <tbody>
          {data?.map((row, i) => (
            <tr key={`${row.user_id}-${i}`}>
              <td>{i + 1}</td>
              <td>{row.profiles?.username ?? 'anonymous'}</td>
              <td>{row.score}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
