import type { Prompt } from './flow';
import type { AnswerKind, Outbound } from './messages';

/**
 * Turns a step's question into messages; buttons carry `nonce` so a later tap can be checked. `answer` says what
 * the step takes: a secret (masked), and its kind (a channel's keyboard and autofill).
 */
export function renderPrompt(
  prompt: Prompt,
  nonce: number,
  answer: { secret?: boolean; expects?: AnswerKind } = {},
): Outbound[] {
  const out: Outbound[] = [...(prompt.before ?? [])];
  const mask = {
    ...(answer.secret ? { secret: true } : {}),
    ...(answer.expects ? { expects: answer.expects } : {}),
  };
  if (prompt.options) {
    out.push({ type: 'choices', text: prompt.text, rows: prompt.options, nonce: String(nonce), ...mask });
  } else if (prompt.request?.type === 'contact') {
    out.push({ type: 'contact-request', text: prompt.text, button: prompt.request.button, ...mask });
  } else if (prompt.request?.type === 'file') {
    out.push({ type: 'file-request', text: prompt.text, accept: prompt.request.accept });
  } else {
    out.push({ type: 'text', text: prompt.text, ...mask });
  }
  return out;
}

/** The option whose value or label (case- and space-insensitive) matches what the customer typed. */
export function matchOption(prompt: Prompt, typed: string): string | null {
  const wanted = typed.trim().toLocaleLowerCase();
  for (const row of prompt.options ?? []) {
    for (const option of row) {
      if (option.label.toLocaleLowerCase() === wanted) return option.value;
    }
  }
  return null;
}

export const hasOption = (prompt: Prompt, value: string): boolean =>
  (prompt.options ?? []).some((row) => row.some((option) => option.value === value));
