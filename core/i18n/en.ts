import type { Catalogue } from './catalogue';

export const en: Catalogue = {
  greeting:
    "Hello! I'll help you register in the {{insurer}} personal account and confirm your identity, right here in the chat.",
  'menu.prompt': 'What would you like to do?',
  'menu.register': 'Register',
  'menu.forgot_password': 'I forgot my password',
  'menu.confirm_identity': 'Confirm my identity',
  'menu.my_account': 'My account',
  'menu.language': 'Язык / Language',
  'menu.coming_soon':
    '"{{item}}" is coming to the chat soon; it is not here yet. Choose another item or write to support: {{support}}.',
  'language.prompt': 'Choose a language:',
  'language.changed': "Fine, we'll speak English.",
  help: 'I ask one question at a time. Commands: /back: the previous question, /cancel: cancel and return to the menu, /language: change the language, /start: start over. Support: {{support}}.',
  'back.nothing': 'This is the first question; there is nothing to go back to.',
  'cancel.done': 'All right, cancelled.',
  'session.expired': "It's been a while, so let's start over.",
  'error.choose_option': 'Please choose one of the options with a button.',
  'error.stale_button': 'That button is out of date. Here is the current question:',
  'error.unknown_command':
    "I don't know the command {{command}}. Available: /start, /cancel, /back, /help, /language.",
  'error.text_expected': 'Please answer with text here.',
  'error.text_too_long': 'That message is too long: {{max}} characters at most.',
  'error.text_empty': 'The message is empty; please type your answer.',
  'error.internal':
    'Something went wrong on our side; your answer is not lost. Please try again in a minute, or write to support: {{support}}.',
};
