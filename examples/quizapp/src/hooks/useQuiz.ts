import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { getQuiz, listQuizzes } from '../api/quizzes'
import { submitCompletion, type CompletionInput } from '../api/attempts'

export function useQuizzes() {
  return useQuery({ queryKey: ['quizzes'], queryFn: listQuizzes })
}

export function useQuiz(quizId: string | undefined) {
  return useQuery({
    queryKey: ['quiz', quizId],
    queryFn: () => getQuiz(quizId!),
    enabled: Boolean(quizId),
  })
}

export function useSubmitCompletion() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (input: CompletionInput) => submitCompletion(input),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: ['leaderboard'] })
    },
  })
}
