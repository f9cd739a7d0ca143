import { useEffect, useState } from 'react';

interface Teacher {
  id: number;
  name: string;
  subject: string;
  hourly_rate: string;
  avatar_url: string | null;
}

const API_URL = process.env.NEXT_PUBLIC_API_URL || 'http://localhost:5000';

export default function Home() {
  const [teachers, setTeachers] = useState<Teacher[]>([]);
  const [search, setSearch] = useState('');

  useEffect(() => {
    const params = new URLSearchParams({ search, page: '1' });
    fetch(`${API_URL}/api/teachers?${params}`)
      .then((res) => res.json())
      .then((body) => setTeachers(body.data))
      .catch((err) => console.error('Failed to load teachers', err));
  }, [search]);

  return (
    <main style={{ maxWidth: 800, margin: '0 auto', padding: 24 }}>
      <h1>Find a tutor</h1>
      <input
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        placeholder="Search by name or subject"
        style={{ width: '100%', padding: 8 }}
      />
      <ul style={{ listStyle: 'none', padding: 0 }}>
        {teachers.map((t) => (
          <li key={t.id} style={{ display: 'flex', gap: 12, alignItems: 'center', padding: '8px 0' }}>
            <img src={t.avatar_url ?? '/avatar.png'} alt={t.name} width={48} height={48} />
            <div>
              <strong>{t.name}</strong> · {t.subject} · ${t.hourly_rate}/h
            </div>
          </li>
        ))}
      </ul>
    </main>
  );
}
