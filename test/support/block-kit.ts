/**
 * Block Kit payloads checked against Slack's documented limits, so tests catch what Slack would answer with
 * `invalid_blocks` (or silently truncate) before a real workspace does. Limits come from
 * https://docs.slack.dev/reference/block-kit (blocks, elements, composition objects, modal views).
 * Lengths are JS string lengths (UTF-16 units): emoji count double, which errs on the strict side.
 */

export type BlockKitSurface = 'message' | 'modal' | 'home';

export interface BlockKitPayload {
  blocks: unknown[];
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  private_metadata?: string;
  callback_id?: string;
  /** chat.postMessage's top-level `text` (the notification fallback), when checking a message. */
  text?: string;
}

type Obj = Record<string, unknown>;
type Say = (path: string, problem: string) => void;

const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const SELECTS = ['static', 'external', 'users', 'conversations', 'channels'].flatMap((kind) => [
  `${kind}_select`,
  `multi_${kind}_select`,
]);
/** Where each element may sit, per @slack/types' ActionsBlockElement, SectionBlockAccessory and InputBlockElement. */
const ACTIONS_ELEMENTS = new Set([
  ...SELECTS,
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  'rich_text_input',
]);
const ACCESSORIES = new Set([
  ...SELECTS,
  'button',
  'checkboxes',
  'datepicker',
  'image',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
]);
const INPUT_ELEMENTS = new Set([
  ...SELECTS,
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'file_input',
  'number_input',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'timepicker',
  'url_text_input',
]);
/** Real block types this checker does not look inside; anything else is a typo or an invention. */
const UNCHECKED_BLOCKS = new Set([
  'rich_text',
  'file',
  'video',
  'table',
  'alert',
  'card',
  'carousel',
  'container',
  'context_actions',
  'data_table',
  'plan',
  'task_card',
]);

/** Problems with `payload` as a `surface`, each as `path: problem`; empty when Slack should accept it. */
export function blockKitProblems(surface: BlockKitSurface, payload: BlockKitPayload): string[] {
  const problems: string[] = [];
  const say: Say = (path, problem) => problems.push(`${path}: ${problem}`);

  if (surface === 'message') {
    if (payload.text !== undefined) string(say, 'text', payload.text, 40_000);
    for (const key of ['title', 'submit', 'close'] as const)
      if (payload[key] !== undefined)
        say(key, 'messages have no title, submit or close (those are modal fields)');
  }
  if (surface === 'modal') {
    if (payload.title === undefined) say('title', 'a modal needs a title');
    else text(say, 'title', payload.title, 24, 'plain');
    if (payload.submit !== undefined) text(say, 'submit', payload.submit, 24, 'plain');
    if (payload.close !== undefined) text(say, 'close', payload.close, 24, 'plain');
    const hasInput =
      Array.isArray(payload.blocks) && payload.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && payload.submit === undefined)
      say('submit', 'a modal with input blocks needs a submit button');
  }
  if (surface !== 'message') {
    string(say, 'private_metadata', payload.private_metadata, 3000);
    string(say, 'callback_id', payload.callback_id, 255);
  }

  const blocks = list(say, 'blocks', payload.blocks, surface === 'message' ? 50 : 100, 0);
  const blockIds = new Set<string>();
  for (const [index, block] of blocks.entries()) {
    const path = `blocks[${index}]`;
    if (!isObj(block) || typeof block.type !== 'string') {
      say(path, 'a block needs a string type');
      continue;
    }
    if (block.block_id !== undefined) {
      string(say, `${path}.block_id`, block.block_id, 255);
      if (blockIds.has(String(block.block_id))) say(`${path}.block_id`, `"${block.block_id}" is used twice`);
      blockIds.add(String(block.block_id));
    }
    checkBlock(say, surface, path, block);
  }
  return problems;
}

function checkBlock(say: Say, surface: BlockKitSurface, path: string, block: Obj) {
  switch (block.type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined) say(path, 'a section needs text or fields');
      if (block.text !== undefined) text(say, `${path}.text`, block.text, 3000);
      if (block.fields !== undefined)
        list(say, `${path}.fields`, block.fields, 10).forEach((field, i) => {
          text(say, `${path}.fields[${i}]`, field, 2000);
        });
      if (block.accessory !== undefined)
        element(say, `${path}.accessory`, block.accessory, ACCESSORIES, 'section');
      return;
    }
    case 'header':
      return text(say, `${path}.text`, block.text, 150, 'plain');
    case 'divider':
      return;
    case 'context':
      list(say, `${path}.elements`, block.elements, 10).forEach((item, i) => {
        if (isObj(item) && item.type === 'image') image(say, `${path}.elements[${i}]`, item);
        else text(say, `${path}.elements[${i}]`, item, 3000);
      });
      return;
    case 'actions': {
      const actionIds = new Set<string>();
      list(say, `${path}.elements`, block.elements, 25).forEach((item, i) => {
        const itemPath = `${path}.elements[${i}]`;
        element(say, itemPath, item, ACTIONS_ELEMENTS, 'actions');
        // Slack wants action_ids unique within their block; a clash makes the handler ambiguous.
        if (isObj(item) && typeof item.action_id === 'string') {
          if (actionIds.has(item.action_id))
            say(`${itemPath}.action_id`, `"${item.action_id}" is used twice`);
          actionIds.add(item.action_id);
        }
      });
      return;
    }
    case 'input':
      // Slack's newer docs also list messages for input blocks, but there nothing submits them; this
      // project keeps forms in modals and Home, so an input in a message is a mistake.
      if (surface === 'message') say(path, 'input blocks belong in modals and Home tabs, not messages');
      text(say, `${path}.label`, block.label, 2000, 'plain');
      if (block.hint !== undefined) text(say, `${path}.hint`, block.hint, 2000, 'plain');
      if (block.element === undefined) say(`${path}.element`, 'an input block needs an element');
      else element(say, `${path}.element`, block.element, INPUT_ELEMENTS, 'input');
      return;
    case 'image':
      image(say, path, block);
      if (block.title !== undefined) text(say, `${path}.title`, block.title, 2000, 'plain');
      return;
    case 'markdown':
      return string(say, `${path}.text`, block.text, 12_000, true);
    default:
      if (!UNCHECKED_BLOCKS.has(String(block.type))) say(path, `unknown block type "${block.type}"`);
  }
}

function element(say: Say, path: string, value: unknown, allowed: Set<string>, where: string) {
  if (!isObj(value) || typeof value.type !== 'string') return say(path, 'an element needs a string type');
  if (!allowed.has(value.type)) return say(path, `"${value.type}" cannot go in a ${where} block`);
  string(say, `${path}.action_id`, value.action_id, 255);
  if (value.placeholder !== undefined) text(say, `${path}.placeholder`, value.placeholder, 150, 'plain');
  if (value.confirm !== undefined) confirm(say, `${path}.confirm`, value.confirm);

  switch (value.type) {
    case 'button':
      text(say, `${path}.text`, value.text, 75, 'plain');
      string(say, `${path}.value`, value.value, 2000);
      string(say, `${path}.url`, value.url, 3000);
      string(say, `${path}.accessibility_label`, value.accessibility_label, 75);
      if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger')
        say(`${path}.style`, `"${value.style}" is not a style; use primary, danger or leave it out`);
      return;
    case 'overflow':
      return options(say, `${path}.options`, value.options, 5, 'plain', true);
    case 'radio_buttons':
    case 'checkboxes':
      // The only option lists that may use mrkdwn.
      return options(say, `${path}.options`, value.options, 10, 'any', false);
    case 'static_select':
    case 'multi_static_select':
      if ((value.options === undefined) === (value.option_groups === undefined))
        return say(path, 'a static select needs exactly one of options and option_groups');
      if (value.options !== undefined)
        return options(say, `${path}.options`, value.options, 100, 'plain', false);
      for (const [i, group] of list(say, `${path}.option_groups`, value.option_groups, 100).entries()) {
        const groupPath = `${path}.option_groups[${i}]`;
        if (!isObj(group)) {
          say(groupPath, 'an option group must be an object');
          continue;
        }
        text(say, `${groupPath}.label`, group.label, 75, 'plain');
        options(say, `${groupPath}.options`, group.options, 100, 'plain', false);
      }
      return;
    case 'plain_text_input': {
      const { min_length: min, max_length: max } = value;
      if (max !== undefined && !(Number.isInteger(max) && Number(max) >= 1 && Number(max) <= 3000))
        say(`${path}.max_length`, 'must be an integer from 1 to 3000');
      if (min !== undefined && !(Number.isInteger(min) && Number(min) >= 0 && Number(min) <= 3000))
        say(`${path}.min_length`, 'must be an integer from 0 to 3000');
      if (typeof min === 'number' && typeof max === 'number' && min > max)
        say(`${path}.min_length`, 'is greater than max_length');
      return;
    }
    case 'image':
      return image(say, path, value);
  }
}

function options(
  say: Say,
  path: string,
  value: unknown,
  max: number,
  kind: 'plain' | 'any',
  urlAllowed: boolean,
) {
  for (const [i, option] of list(say, path, value, max).entries()) {
    const optionPath = `${path}[${i}]`;
    if (!isObj(option)) {
      say(optionPath, 'an option must be an object');
      continue;
    }
    text(say, `${optionPath}.text`, option.text, 75, kind);
    string(say, `${optionPath}.value`, option.value, 150, true);
    if (option.description !== undefined)
      text(say, `${optionPath}.description`, option.description, 75, kind);
    if (option.url !== undefined) {
      if (urlAllowed) string(say, `${optionPath}.url`, option.url, 3000);
      else say(`${optionPath}.url`, 'only overflow menu options may have a url');
    }
  }
}

function confirm(say: Say, path: string, value: unknown) {
  if (!isObj(value)) return say(path, 'a confirmation dialog must be an object');
  text(say, `${path}.title`, value.title, 100, 'plain');
  text(say, `${path}.text`, value.text, 300);
  text(say, `${path}.confirm`, value.confirm, 30, 'plain');
  text(say, `${path}.deny`, value.deny, 30, 'plain');
  if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger')
    say(`${path}.style`, `"${value.style}" is not a style; use primary or danger`);
}

function image(say: Say, path: string, value: Obj) {
  if (value.image_url === undefined && value.slack_file === undefined)
    say(path, 'an image needs image_url or slack_file');
  string(say, `${path}.image_url`, value.image_url, 3000);
  if (typeof value.alt_text !== 'string' || value.alt_text === '')
    say(`${path}.alt_text`, 'an image needs alt_text');
}

/** A text object `{type, text}`; `plain` where Slack accepts only plain_text (titles, labels, buttons…). */
function text(say: Say, path: string, value: unknown, max: number, kind: 'plain' | 'any' = 'any') {
  if (!isObj(value)) return say(path, 'must be a text object like {type: "plain_text", text}');
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn')
    return say(`${path}.type`, `must be plain_text or mrkdwn, not ${JSON.stringify(value.type)}`);
  if (kind === 'plain' && value.type !== 'plain_text')
    say(`${path}.type`, 'must be plain_text here, not mrkdwn');
  if (typeof value.text !== 'string') return say(`${path}.text`, 'must be a string');
  if (value.text === '') say(`${path}.text`, 'must not be empty');
  else if (value.text.length > max)
    say(`${path}.text`, `${value.text.length} characters, over the limit of ${max}`);
}

function string(say: Say, path: string, value: unknown, max: number, required = false) {
  if (value === undefined) {
    if (required) say(path, 'is required');
    return;
  }
  if (typeof value !== 'string') return say(path, 'must be a string');
  if (value.length > max) say(path, `${value.length} characters, over the limit of ${max}`);
}

function list(say: Say, path: string, value: unknown, max: number, min = 1): unknown[] {
  if (!Array.isArray(value)) {
    say(path, 'must be an array');
    return [];
  }
  if (value.length < min) say(path, `needs at least ${min} item${min === 1 ? '' : 's'}`);
  if (value.length > max) say(path, `${value.length} items, over the limit of ${max}`);
  return value;
}
