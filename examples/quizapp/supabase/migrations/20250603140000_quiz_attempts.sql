CREATE TABLE public.quiz_attempts (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES public.profiles(id) ON DELETE CASCADE,
  quiz_id UUID NOT NULL REFERENCES public.quizzes(id) ON DELETE CASCADE,
  score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
  answers JSONB NOT NULL DEFAULT '[]'::jsonb,
  duration_seconds INTEGER,
  completed_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_quiz_attempts_quiz_id ON public.quiz_attempts(quiz_id);

ALTER TABLE public.quiz_attempts ENABLE ROW LEVEL SECURITY;

-- Leaderboard is public.
CREATE POLICY "attempts are readable" ON public.quiz_attempts
  FOR SELECT USING (true);

CREATE POLICY "users record their own attempts" ON public.quiz_attempts
  FOR INSERT WITH CHECK (auth.uid() = user_id);
