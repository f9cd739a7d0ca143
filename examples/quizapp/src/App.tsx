import { Link, Route, Routes } from 'react-router-dom'
import QuizList from './pages/QuizList'
import QuizPage from './pages/QuizPage'
import Leaderboard from './pages/Leaderboard'

export default function App() {
  return (
    <div className="page">
      <header style={{ display: 'flex', gap: '1rem' }}>
        <Link to="/">Quizzes</Link>
        <Link to="/leaderboard">Leaderboard</Link>
      </header>
      <Routes>
        <Route path="/" element={<QuizList />} />
        <Route path="/quiz/:quizId" element={<QuizPage />} />
        <Route path="/leaderboard" element={<Leaderboard />} />
      </Routes>
    </div>
  )
}
