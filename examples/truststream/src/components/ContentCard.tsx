import type { ContentWithAuthor } from '../api/content'

interface ContentCardProps {
  item: ContentWithAuthor
  onLike?: (id: string) => void
}

export function ContentCard({ item, onLike }: ContentCardProps) {
  return (
    <article className="card">
      <header style={{ display: 'flex', alignItems: 'center', gap: '0.5rem' }}>
        <img className="avatar" src={item.profiles?.avatar_url ?? '/favicon.svg'} alt={item.profiles?.username ?? ''} />
        <strong>{item.profiles?.username}</strong>
        <time dateTime={item.created_at}>{new Date(item.created_at).toLocaleString()}</time>
      </header>
      <h3>{item.title}</h3>
      {item.cover_image_url && <img src={item.cover_image_url} alt={item.title} width={800} />}
      <p>{item.body}</p>
      <footer>
        <button type="button" onClick={() => onLike?.(item.id)}>
          Like
        </button>
      </footer>
    </article>
  )
}
