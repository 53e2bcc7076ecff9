import type { RateLimiter } from '../../core/ports/rate-limiter';

/** The web chat's budgets per client network, the same on every instance (they share the counters in Redis). */
export const chatLimits = (
  limiter: (name: string, points: number, durationSeconds: number) => RateLimiter,
) => ({
  messages: limiter('chat-messages', 120, 60),
  newConversations: limiter('chat-conversations', 60, 3600),
  // A page asks about every 25 s, and again at once after each answer: this leaves room for many pages behind one
  // address (a carrier's NAT), not for a loop.
  updates: limiter('chat-updates', 600, 60),
});
