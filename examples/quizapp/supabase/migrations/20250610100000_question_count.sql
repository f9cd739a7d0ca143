-- Keep quizzes.question_count in sync with the questions table.
CREATE OR REPLACE FUNCTION public.sync_question_count()
RETURNS TRIGGER AS $$
BEGIN
  UPDATE public.quizzes
     SET question_count = (SELECT COUNT(*) FROM public.questions WHERE quiz_id = COALESCE(NEW.quiz_id, OLD.quiz_id))
   WHERE id = COALESCE(NEW.quiz_id, OLD.quiz_id);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_questions_count
  AFTER INSERT OR DELETE ON public.questions
  FOR EACH ROW EXECUTE FUNCTION public.sync_question_count();
