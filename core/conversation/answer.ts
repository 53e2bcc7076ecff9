import type { Answer, Prompt, Refusal, Step } from '../flow';
import { isMessageKey, type MessageKey } from '../i18n';
import type { Inbound } from '../messages';
import { hasOption, matchOption } from '../render';

export type Reading = { ok: true; answer: Answer<unknown> } | { ok: false; refusal: Refusal };

/**
 * Reads a message as an answer to the current step, or says why it is not one: a button of this question, text
 * the step's schema accepts (each issue's message is a MessageKey), or a contact or file the step takes.
 */
export function readAnswer<S>(
  inbound: Inbound,
  step: Step<S, unknown>,
  prompt: Prompt,
  maxTextLength: number,
): Reading {
  const wrongKind = refuse(
    prompt.options
      ? 'error.choose_option'
      : step.accepts?.includes('file')
        ? 'error.file_expected'
        : 'error.text_expected',
  );
  switch (inbound.type) {
    case 'choice':
      return hasOption(prompt, inbound.value) ? accept({ type: 'choice', value: inbound.value }) : wrongKind;
    case 'text': {
      const text = inbound.text.trim();
      if (text.length === 0) return refuse('error.text_empty');
      if (text.length > maxTextLength) return refuse('error.text_too_long', { max: maxTextLength });
      const chosen = matchOption(prompt, text);
      if (chosen) return accept({ type: 'choice', value: chosen });
      if (!step.text) return wrongKind;
      const parsed = step.text.safeParse(text);
      if (!parsed.success) {
        // Each issue's message is a key (`because`); a schema's default English message never reaches anyone.
        const key = parsed.error.issues[0]?.message ?? '';
        return refuse(isMessageKey(key) ? key : 'error.text_expected');
      }
      return accept({ type: 'text', value: parsed.data });
    }
    case 'contact':
      if (!step.accepts?.includes('contact')) return wrongKind;
      return accept({ type: 'contact', phone: inbound.phone, ownedBySender: inbound.ownedBySender });
    case 'file': {
      if (!step.accepts?.includes('file')) return wrongKind;
      const { name, mime, size, fetch } = inbound;
      return accept({ type: 'file', name, mime, size, fetch });
    }
    default:
      return wrongKind;
  }
}

const accept = (answer: Answer<unknown>): Reading => ({ ok: true, answer });
const refuse = (key: MessageKey, vars?: Record<string, number>): Reading => ({
  ok: false,
  refusal: { key, vars },
});
