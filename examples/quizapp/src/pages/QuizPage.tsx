import { useRef, useState } from 'react'
import { useNavigate, useParams } from 'react-router-dom'
import { useQuiz, useSubmitCompletion } from '../hooks/useQuiz'
import { useUser } from '../hooks/useUser'
import { QuestionCard } from '../components/QuestionCard'

export default function QuizPage() {
  const { quizId } = useParams()
  const navigate = useNavigate()
  const user = useUser()
  const { data: quiz, isLoading } = useQuiz(quizId)
  const submit = useSubmitCompletion()
  const [answers, setAnswers] = useState<Record<string, number>>({})
  const startedAt = useRef(Date.now())

  if (isLoading || !quiz) return <p>Loading…</p>

  const handleSubmit = () => {
    if (!user) return
    const ordered = quiz.questions.map((q) => answers[q.id] ?? -1)
    const correct = quiz.questions.filter((q) => answers[q.id] === q.answer_index).length
    const score = Math.round((correct / quiz.questions.length) * 100)

    submit.mutate(
      {
        quizId: quiz.id,
        userId: user.id,
        score,
        answers: ordered,
        durationSeconds: Math.round((Date.now() - startedAt.current) / 1000),
      },
      { onSuccess: () => navigate('/leaderboard') },
    )
  }

  return (
    <section>
      <h1>{quiz.title}</h1>
      {quiz.questions.map((q, i) => (
        <QuestionCard
          key={q.id}
          number={i + 1}
          question={q}
          selected={answers[q.id]}
          onSelect={(choice) => setAnswers((prev) => ({ ...prev, [q.id]: choice }))}
        />
      ))}
      <button type="button" onClick={handleSubmit} disabled={submit.isPending}>
        Submit answers
      </button>
    </section>
  )
}
