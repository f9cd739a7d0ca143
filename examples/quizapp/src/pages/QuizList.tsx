import { Link } from 'react-router-dom'
import { useQuizzes } from '../hooks/useQuiz'

export default function QuizList() {
  const { data, isLoading, error } = useQuizzes()

  if (isLoading) return <p>Loading quizzes…</p>
  if (error) return <p>Could not load quizzes.</p>

  return (
    <section>
      <h1>Question banks</h1>
      <ul>
        {data?.map((quiz) => (
          <li key={quiz.id}>
            <Link to={`/quiz/${quiz.id}`}>{quiz.title}</Link> · {quiz.system} · {quiz.question_count} questions ·{' '}
            {quiz.difficulty}
          </li>
        ))}
      </ul>
    </section>
  )
}
