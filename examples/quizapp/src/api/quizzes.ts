import { supabase } from '../lib/supabase'

export interface Question {
  id: string
  quiz_id: string
  position: number
  stem: string
  choices: string[]
  answer_index: number
  explanation: string | null
}

export interface Quiz {
  id: string
  title: string
  system: string
  difficulty: 'easy' | 'medium' | 'hard'
  question_count: number
}

export async function listQuizzes(): Promise<Quiz[]> {
  const { data, error } = await supabase
    .from('quizzes')
    .select('id, title, system, difficulty, question_count')
    .eq('is_published', true)
    .order('created_at', { ascending: false })
  if (error) throw error
  return data
}

export async function getQuiz(quizId: string) {
  const { data, error } = await supabase
    .from('quizzes')
    .select('id, title, system, difficulty, question_count, questions(*)')
    .eq('id', quizId)
    .single()
  if (error) throw error
  const questions = [...(data.questions as Question[])].sort((a, b) => a.position - b.position)
  return { ...data, questions }
}
