// Client-side rate limiting. Attempts are tracked per browser tab in memory,
// so a reload (or a second tab, or calling the API directly) starts from zero.

interface RateLimitRule {
  maxAttempts: number
  windowMs: number
}

export const RATE_LIMITS = {
  login: { maxAttempts: 5, windowMs: 60 * 1000 }, // 5 attempts per minute
  signup: { maxAttempts: 3, windowMs: 5 * 60 * 1000 }, // 3 attempts per 5 minutes
  contentCreate: { maxAttempts: 10, windowMs: 10 * 60 * 1000 }, // 10 posts per 10 minutes
  aiAnalysis: { maxAttempts: 20, windowMs: 60 * 60 * 1000 }, // 20 analyses per hour
} satisfies Record<string, RateLimitRule>

export type RateLimitAction = keyof typeof RATE_LIMITS

const attempts = new Map<string, number[]>()

export class RateLimitError extends Error {
  constructor(public readonly retryAfterMs: number) {
    super(`Too many attempts. Try again in ${Math.ceil(retryAfterMs / 1000)}s.`)
    this.name = 'RateLimitError'
  }
}

export function checkRateLimit(action: RateLimitAction, key = 'anonymous'): void {
  const rule = RATE_LIMITS[action]
  const bucketKey = `${action}:${key}`
  const now = Date.now()
  const recent = (attempts.get(bucketKey) ?? []).filter((t) => now - t < rule.windowMs)

  if (recent.length >= rule.maxAttempts) {
    throw new RateLimitError(rule.windowMs - (now - recent[0]))
  }

  recent.push(now)
  attempts.set(bucketKey, recent)
}

export function resetRateLimit(action: RateLimitAction, key = 'anonymous'): void {
  attempts.delete(`${action}:${key}`)
}
