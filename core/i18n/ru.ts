/** Russian, the default language; its keys are the catalogue every other language must match. */
export const ru = {
  greeting:
    'Здравствуйте! Я помогу зарегистрироваться в личном кабинете {{insurer}} и подтвердить личность — прямо здесь, в чате.',
  'menu.prompt': 'Что вы хотите сделать?',
  'menu.register': 'Зарегистрироваться',
  'menu.forgot_password': 'Я забыл пароль',
  'menu.confirm_identity': 'Подтвердить личность',
  'menu.my_account': 'Мой кабинет',
  'menu.language': 'Язык / Language',
  'menu.coming_soon':
    '«{{item}}» скоро появится в чате — пока этого здесь нет. Выберите другой пункт или напишите в поддержку: {{support}}.',
  'language.prompt': 'Выберите язык:',
  'language.changed': 'Хорошо, говорим по-русски.',
  help: 'Я задаю вопросы по одному. Команды: /back — к предыдущему вопросу, /cancel — отменить и вернуться в меню, /language — сменить язык, /start — начать сначала. Поддержка: {{support}}.',
  'back.nothing': 'Это первый вопрос — назад идти некуда.',
  'cancel.done': 'Хорошо, отменил.',
  'session.expired': 'Мы давно не общались, поэтому начнём сначала.',
  'error.choose_option': 'Пожалуйста, выберите один из вариантов кнопкой.',
  'error.stale_button': 'Эта кнопка уже устарела. Вот актуальный вопрос:',
  'error.unknown_command':
    'Команду {{command}} я не знаю. Доступны: /start, /cancel, /back, /help, /language.',
  'error.text_expected': 'Здесь нужен ответ текстом.',
  'error.text_too_long': 'Слишком длинное сообщение: не больше {{max}} символов.',
  'error.text_empty': 'Сообщение пустое — напишите ответ, пожалуйста.',
  'error.internal':
    'Что-то пошло не так с нашей стороны, ваш ответ не потерян. Попробуйте ещё раз через минуту; если не выйдет — напишите в поддержку: {{support}}.',
} as const;
