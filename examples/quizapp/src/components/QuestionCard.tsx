import type { Question } from '../api/quizzes'

interface Props {
  number: number
  question: Question
  selected: number | undefined
  onSelect: (choice: number) => void
}

export function QuestionCard({ number, question, selected, onSelect }: Props) {
  return (
    <div style={{ marginBottom: '1.5rem' }}>
      <p>
        <strong>{number}.</strong> {question.stem}
      </p>
      {question.choices.map((choice, idx) => (
        <button
          key={idx}
          type="button"
          className={`choice${selected === idx ? ' selected' : ''}`}
          onClick={() => onSelect(idx)}
        >
          {String.fromCharCode(65 + idx)}. {choice}
        </button>
      ))}
    </div>
  )
}
