import { supabase } from '../lib/supabase'
import { checkRateLimit, resetRateLimit } from '../lib/rateLimit'

export async function signIn(email: string, password: string) {
  checkRateLimit('login', email)
  const { data, error } = await supabase.auth.signInWithPassword({ email, password })
  if (error) throw error
  resetRateLimit('login', email)
  return data.session
}

export async function signUp(email: string, password: string, username: string) {
  checkRateLimit('signup', email)
  const { data, error } = await supabase.auth.signUp({
    email,
    password,
    options: { data: { username } },
  })
  if (error) throw error
  return data.user
}

export async function requestAnalysis(contentId: string, userId: string) {
  checkRateLimit('aiAnalysis', userId)
  const { data, error } = await supabase.functions.invoke('ai-analysis', {
    body: { contentId },
  })
  if (error) throw error
  return data as { summary: string; trust_signals: string[] }
}
