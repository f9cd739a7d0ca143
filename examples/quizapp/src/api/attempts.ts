import { supabase } from '../lib/supabase'

export interface CompletionInput {
  quizId: string
  userId: string
  score: number
  answers: number[]
  durationSeconds: number
}

export async function submitCompletion(input: CompletionInput) {
  const { data, error } = await supabase
    .from('quiz_attempts')
    .insert({
      quiz_id: input.quizId,
      user_id: input.userId,
      score: input.score,
      answers: input.answers,
      duration_seconds: input.durationSeconds,
      completed_at: new Date().toISOString(),
    })
    .select()
    .single()
  if (error) throw error
  return data
}

export async function myAttempts(userId: string) {
  const { data, error } = await supabase
    .from('quiz_attempts')
    .select('id, quiz_id, score, completed_at, quizzes(title)')
    .eq('user_id', userId)
    .order('completed_at', { ascending: false })
  if (error) throw error
  return data
}
