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
  'menu.sign_in': 'Sign in',
  'menu.sign_out': 'Sign out',
  'menu.coming_soon':
    '"{{item}}" is coming to the chat soon; it is not here yet. Choose another item or write to support: {{support}}.',
  'menu.already_registered': 'You are already registered in this chat.',
  'language.prompt': 'Choose a language:',
  'language.changed': "Fine, we'll speak English.",
  progress: 'Step {{current}} of {{total}}',
  help: 'I ask one question at a time. Commands: /back: the previous question, /cancel: cancel and return to the menu, /language: change the language, /start: start over, /login: sign in, /reset: recover the password, /logout: sign out. Support: {{support}}.',
  'command.start': 'Start over',
  'command.cancel': 'Cancel and return to the menu',
  'command.back': 'Back to the previous question',
  'command.help': 'Help',
  'command.language': 'Change the language',
  'command.login': 'Sign in to the personal account',
  'command.reset': 'Recover the password',
  'command.logout': 'Sign out',
  'command.coming_soon': 'That is not in the chat yet. Please write to support: {{support}}.',
  'back.nothing': 'This is the first question; there is nothing to go back to.',
  'cancel.done': 'All right, cancelled.',
  'cancel.confirm': 'The answers not saved yet will be lost. Cancel and return to the menu?',
  'cancel.discard': 'Yes, cancel',
  'cancel.keep': 'No, continue',
  'cancel.kept': 'All right, we carry on.',
  'session.expired': "It's been a while, so let's start over.",
  'session.ended.logged_out': 'You signed out of the personal account in this chat.',
  'session.ended.password_changed':
    'The personal account password was changed, so this chat was signed out. Sign in with the new password. If you did not change it, write to support at once: {{support}}.',
  'session.ended.ended_elsewhere': 'This chat was signed out from another session. Sign in again to go on.',
  'session.ended.expired': 'It has been a while, so this chat was signed out. Sign in again to go on.',
  'session.ended.unknown': 'The sign-in in this chat is no longer valid. Sign in again to go on.',
  'error.choose_option': 'Please choose one of the options with a button.',
  'error.stale_button': 'That button is out of date. Here is the current question:',
  'error.unknown_command':
    "I don't know the command {{command}}. Available: /start, /cancel, /back, /help, /language, /login, /reset, /logout.",
  'error.text_expected': 'Please answer with text here.',
  'error.text_too_long': 'That message is too long: {{max}} characters at most.',
  'error.text_empty': 'The message is empty; please type your answer.',
  'error.internal':
    'Something went wrong on our side and this answer was not saved. You are still at the same step: please send it again in a minute, or write to support: {{support}}.',
  'reg.email.ask': 'Enter your e-mail address. It must be real: a confirmation code will be sent to it.',
  'reg.email.invalid': 'That does not look like an e-mail address. Example: ivanov@mail.ru',
  'reg.phone.ask': 'Enter your mobile phone number, e.g. +7 916 123-45-67. An SMS code will be sent to it.',
  'reg.phone.share': 'Share my phone number',
  'reg.phone.invalid': 'I could not read that number. Type it in full, e.g. +7 916 123-45-67.',
  'reg.phone.not_mobile': 'That is not a mobile number, so an SMS would not reach it. Enter a mobile number.',
  'reg.phone.not_yours':
    'You can only share your own number: use the "Share my phone number" button or type it.',
  'reg.password.ask': 'Choose a password for your personal account: {{rules}}.',
  'reg.password_repeat.ask': 'Repeat the password.',
  'reg.password_repeat.mismatch': 'The passwords did not match. Please choose a password again.',
  'reg.consent.ask': 'To register, you need to accept the user agreement: {{url}}',
  'reg.consent.agree': 'I agree with the user agreement',
  'reg.consent.decline': 'I do not agree',
  'reg.consent.required':
    'Registration is not possible without accepting the user agreement. If you change your mind, press "I agree".',
  'reg.confirm.ask':
    'Please check: with a mistake in the address or number, registration will not work.\nE-mail: {{email}}\nPhone: {{phone}}',
  'reg.confirm.ok': 'All correct, send the codes',
  'reg.confirm.change_email': 'Fix the e-mail',
  'reg.confirm.change_phone': 'Fix the phone',
  'reg.already_registered': 'A user with these contacts is already registered; please use password recovery.',
  'reg.already.reset': 'Set a new password',
  'reg.already.other_contacts': 'Use other contacts',
  'reg.already.menu': 'Back to the menu',
  'reg.reset_coming':
    'Password recovery is coming to the chat soon. For now, recover it on the website or write to support: {{support}}.',
  'reg.email_confirmed': 'E-mail confirmed.',
  'reg.created':
    'Done: your personal account is created! Now the profile: until it is complete, the account is limited and policies are not shown.',
  'reg.created_sign_in': 'Sign in with your password: "Sign in" in the menu.',

  'signin.contact.ask': 'Enter the e-mail or mobile phone number you registered with.',
  'signin.contact.invalid':
    'That is neither an e-mail nor a phone number. Example: ivanov@mail.ru or +7 916 123-45-67.',
  'signin.password.ask': 'Enter your password. I will delete the message with it from the chat at once.',
  'signin.forgot': 'I forgot my password',
  'signin.other_contact': 'Use another e-mail or phone',
  'signin.retry': 'Try again',
  'signin.wrong': 'Wrong e-mail, phone or password. Please check and enter the password again.',
  'signin.locked_one':
    'Too many wrong tries. You can sign in again in {{count}} minute, or recover your password.',
  'signin.locked_few':
    'Too many wrong tries. You can sign in again in {{count}} minutes, or recover your password.',
  'signin.locked_many':
    'Too many wrong tries. You can sign in again in {{count}} minutes, or recover your password.',
  'signin.locked_other':
    'Too many wrong tries. You can sign in again in {{count}} minutes, or recover your password.',
  'signin.chat_limit': 'Too many sign-in tries from this chat. Please try again in {{minutes}} min.',
  'signin.done': 'You are signed in to the personal account.',
  'signin.already': 'You are already signed in in this chat. To switch accounts, sign out first: /logout.',
  'signin.not_activated':
    'Your personal account is not activated yet. Open the link from the e-mail you received after registering, then sign in again.',
  'signin.resend_link': 'Send the link again',
  'signin.link_resent':
    'We sent a new link and a new temporary password to your e-mail. The earlier ones no longer work.',
  'signin.link_too_soon': 'A new link can be asked for once a minute: one is on its way, check your e-mail.',
  'signin.activated_now': 'Your personal account is activated already: enter the password again.',
  'signin.temporary': 'You signed in with a temporary password. Before going on, it has to be changed.',
  'signin.temporary_expired':
    'The temporary password has expired. Recover the password: the "I forgot my password" button.',
  'signin.new_password.ask': 'Choose a new password: {{rules}}.',
  'signin.password_changed': 'The password is changed. Your personal account is ready.',

  'logout.done': 'You signed out of the personal account.',
  'logout.not_signed_in': 'You have not signed in in this chat.',

  'vreg.confirm.ask':
    'Please check: with a mistake in the address or number, registration will not work.\nE-mail: {{email}}\nPhone: {{phone}}\nBy pressing "Register" you accept the user agreement: {{url}}',
  'vreg.register': 'Register',
  'vreg.already_exists':
    'There already is a personal account with these contacts, for instance one created when a policy was bought online. No registration is needed: sign in with this e-mail or phone, or recover the password.',
  'vreg.created':
    'Your personal account is created! An e-mail with the activation link and a temporary password went to {{email}}. Open the link, then sign in: at the first sign-in you will be asked to change the password.',

  'code.email.ask': 'We sent a 6-digit code to {{email}}. Please enter it.',
  'code.phone.ask': 'We sent a 6-digit code by SMS to {{phone}}. Please enter it.',
  'code.resend': 'Send the code again',
  'code.format': 'The code has 6 digits; type just those.',
  'code.wrong_one': 'Wrong code. {{count}} try left.',
  'code.wrong_few': 'Wrong code. {{count}} tries left.',
  'code.wrong_many': 'Wrong code. {{count}} tries left.',
  'code.wrong_other': 'Wrong code. {{count}} tries left.',
  'code.expired': 'The code has expired. Press "Send the code again".',
  'code.too_many_attempts': 'Too many wrong tries: this code no longer works. Press "Send the code again".',
  'code.not_issued': 'No valid code was found (or it was used). Press "Send the code again".',
  'code.resent': 'We sent a new code; the previous one no longer works.',
  'code.cooldown': 'You can ask for a new code in {{seconds}} s.',
  'code.hourly_cap':
    'Too many codes were sent to this contact in the last hour. Try again in {{minutes}} min.',
  'code.client_cap':
    'Too many codes have been asked for from your device or network in the last hour. Try again in {{minutes}} min.',
  'code.conversation_cap':
    'This chat has asked for too many codes in the last hour. Try again in {{minutes}} min.',
  'code.already_sent':
    'A code was sent less than a minute ago and still works: please enter it. You can ask for a new one in {{seconds}} s.',
  'code.delivery_failed.email':
    'We could not send the e-mail with your code. Check the address ("Fix the e-mail") or tap "Send the code again".',
  'code.delivery_failed.phone':
    'We could not send the SMS with your code. Check the number ("Fix the phone") or tap "Send the code again".',
  'mail.code.subject': '{{insurer}}: confirmation code',
  'mail.code.text':
    'Your confirmation code: {{code}}\nIt is valid for {{minutes}} min. Do not share it with anyone.\nIf you did not register in the {{insurer}} personal account, simply delete this e-mail.',
  'sms.code': '{{insurer}}: confirmation code {{code}}. Do not share it with anyone.',

  'reset.via.ask': "Let's recover your password. Where should the confirmation code go?",
  'reset.via.email': 'To my e-mail',
  'reset.via.phone': 'By SMS to my phone',
  'reset.email.ask': 'Enter the e-mail you registered with.',
  'reset.phone.ask': 'Enter the mobile number you registered with, e.g. +7 916 123-45-67.',
  'reset.code.email.ask':
    'If {{email}} belongs to a personal account, we sent a 6-digit code to it. Please enter it.',
  'reset.code.phone.ask':
    'If {{phone}} belongs to a personal account, we sent a 6-digit code to it by SMS. Please enter it.',
  'reset.new_password.ask': 'The code is right. Choose a new password: {{rules}}.',
  'reset.not_activated':
    'Your personal account is not activated yet: open the link from the e-mail first. A new link can be sent at sign-in: "Sign in", then "Send the link again".',
  'reset.registration_withdrawn':
    "The registration with this e-mail was never finished: the link from the e-mail was not opened. We have withdrawn it, in case its phone was given by someone other than the mailbox's owner. Please register again with your own phone: it takes a minute.",
  'reset.code_expired': 'The code no longer works. Let us start the recovery again.',
  'reset.done_sent':
    'Your password is changed: sign in with the new password from the message with the code. This chat is signed in already.',
  'reset.done_chosen': 'Your password is changed and you are signed in. Every other sign-in has ended.',
  'mail.reset.subject': '{{insurer}}: password recovery',
  'mail.reset.text':
    'Your password recovery code: {{code}}\nIt is valid for {{minutes}} min. Do not tell it to anyone.\nIf you did not ask to recover your password, delete this e-mail: your password stays as it is.',
  'mail.reset_sent.text':
    'Your password recovery code: {{code}}\nNew password: {{password}}\nThe new password takes effect once you enter the code in the chat. The code is valid for {{minutes}} min. Do not tell them to anyone.\nIf you did not ask to recover your password, delete this e-mail: your password stays as it is.',
  'sms.reset': '{{insurer}}: password recovery code {{code}}. Do not tell it to anyone.',
  'sms.reset_sent':
    '{{insurer}}: code {{code}}, new password {{password}} (takes effect once the code is entered). Do not tell them to anyone.',
  'mail.password_changed.subject': '{{insurer}}: your personal account password was changed',
  'mail.password_changed.text':
    'The password of your {{insurer}} personal account was just changed, and every earlier sign-in has ended.\nIf it was not you, write to support at once: {{support}}.',
  'sms.password_changed':
    '{{insurer}}: your personal account password was changed. If it was not you, write to support: {{support}}.',

  'mail.activation.subject': '{{insurer}}: your personal account is created',
  'mail.activation.text':
    'Your {{insurer}} personal account is created.\nTo activate it, open this link (valid for {{hours}} h):\n{{link}}\nTemporary password: {{password}}\nAt the first sign-in you will be asked to change it. Do not tell the password to anyone.\nThe phone in this account ends in {{phoneEnd}}. If you did not register, or this is not your phone, do not open the link and write to support: {{support}}.',
  'sms.account_created':
    '{{insurer}}: your personal account is created. The activation link and a temporary password are in the e-mail.',

  'chat.title': '{{insurer}}: personal account chat',
  'chat.header': '{{insurer}}: personal account',
  'chat.placeholder': 'Type your answer…',
  'chat.message': 'Message',
  'chat.log': 'Conversation',
  'chat.send': 'Send',
  'chat.attach': 'Attach a photo',
  'chat.languages': 'Chat language',
  'chat.offline_retrying': 'No connection to the server: trying again…',
  'chat.offline': 'No connection to the server. Please try again.',
  'chat.error': 'Error {{status}}',
  'chat.file_too_large': 'The file is over {{mb}} MB: please send a smaller picture.',
  'chat.slow_down': 'Too many messages: please try again in {{seconds}} s.',
  'chat.unavailable':
    'The service is briefly unavailable: your message was not taken (your earlier answers are kept). Please send it again in a minute.',
  'chat.open': 'Open the chat',
  'chat.close': 'Close the chat',
  'chat.typing': 'typing…',
  'chat.cookies_blocked':
    'Your browser does not keep this chat inside the page (it blocks cookies of embedded sites), so your answers would be lost. Open the chat in its own tab:',
  'chat.open_tab': 'open the chat',
  'page.activation.title': '{{insurer}}: personal account activation',
  'page.activation.confirm':
    'To activate your personal account, press the button below. The phone in this account ends in {{phoneEnd}}. If it is not your phone, do not activate: cancel the registration, and your e-mail is free again.',
  'page.activation.activate': 'Activate my personal account',
  'page.activation.not_mine': 'Not my phone: cancel this registration',
  'page.activation.withdrawn':
    'The registration is cancelled: no account was made with your e-mail, and the link no longer works. To get a personal account, register in the chat with your own phone.',
  'page.activation.done':
    'Your personal account is activated. Go back to the chat and sign in with your e-mail or phone and the temporary password from the e-mail: at the first sign-in you will choose a new password.',
  'page.activation.used':
    'Your personal account was already activated with this link. Sign in in the chat with your password.',
  'page.activation.expired':
    'This link has expired. Press the button and we will send a new link and a new temporary password to your e-mail.',
  'page.activation.renew': 'Send me a new link',
  'page.activation.renewed':
    'A new link and a temporary password went to your e-mail. The earlier link no longer works.',
  'page.activation.superseded': 'A newer link replaced this one: open the link from the latest e-mail.',
  'page.activation.too_soon':
    'A new link was sent moments ago: check your e-mail. Another one can be asked for in a minute.',
  'page.activation.unknown':
    'This link is not valid. Open the link from the latest e-mail, or ask for a new one in the chat: "Sign in", then "Send the link again". Support: {{support}}.',
  'activation.done_chat':
    'Your personal account is activated. Sign in with the temporary password from the e-mail: /login',

  'password.rule.min_length': 'at least {{min}} characters',
  'password.rule.letters_digits': 'with both letters and digits',
  'password.rule.upper_lower_digit_special':
    'upper- and lower-case Latin letters, digits and at least one of {{chars}}',
  'password.error.too_short': 'The password is too short: at least {{min}} characters.',
  'password.error.too_long':
    'The password is too long: at most {{max}} Latin characters (a Cyrillic letter counts as two).',
  'password.error.letters_digits': 'The password needs both letters and digits.',
  'password.error.latin_only': 'Use only Latin letters, digits and the characters {{chars}}.',
  'password.error.upper_lower': 'It needs both upper- and lower-case Latin letters.',
  'password.error.special': 'It needs at least one of the characters {{chars}}.',
  'password.error.published':
    'This password was published in the instructions as an example; it cannot be used.',
  'password.error.personal': 'The password must not repeat your e-mail or phone.',
  'password.error.common': 'This password is too common and easy to guess. Please choose another.',

  'profile.surname.ask': 'Surname, as in your identity document.',
  'profile.given_name.ask': 'Given name.',
  'profile.patronymic.ask': 'Patronymic. If your document has none, press "No patronymic".',
  'profile.patronymic.none': 'No patronymic',
  'profile.name.invalid': 'Use letters, spaces, hyphens or apostrophes, at most 60 characters.',
  'profile.birth_date.ask': 'Date of birth as DD.MM.YYYY, e.g. 05.03.1985.',
  'profile.birth_date.format': 'I could not read the date. Type it as DD.MM.YYYY, e.g. 05.03.1985.',
  'profile.birth_date.nonexistent': 'There is no such date in the calendar. Check the day and month.',
  'profile.birth_date.future': 'The date of birth cannot be in the future.',
  'profile.birth_date.too_young': 'The personal account is available from the age of {{min}}.',
  'profile.birth_date.too_old': 'Please check the year: that makes you older than {{max}}.',
  'profile.sex.ask': 'Sex.',
  'profile.sex.male': 'Male',
  'profile.sex.female': 'Female',
  'profile.document_type.ask': 'Which document proves your identity?',
  'profile.document.ask': "Enter the document's {{hint}}, e.g. {{example}}.",
  'profile.document.invalid': 'That does not fit: enter the {{hint}}, e.g. {{example}}.',
  'profile.summary.ask':
    'Please check your profile:\nSurname: {{surname}}\nGiven name: {{givenName}}\nPatronymic: {{patronymic}}\nDate of birth: {{birthDate}}\nSex: {{sex}}\nDocument: {{document}}, {{documentNumber}}',
  'profile.summary.save': 'All correct, save',
  'profile.summary.edit': 'Correct something',
  'profile.edit.ask': 'What should be corrected?',
  'profile.field.surname': 'Surname',
  'profile.field.given_name': 'Given name',
  'profile.field.patronymic': 'Patronymic',
  'profile.field.birth_date': 'Date of birth',
  'profile.field.sex': 'Sex',
  'profile.field.document': 'Document',
  'profile.patronymic.absent': 'none',
  'profile.locked_under_review':
    'Your identity request is being reviewed: the profile can be changed once it is decided.',
  'profile.saved': 'Profile saved: registration is complete and your personal account is fully available.',
  'profile.need_account': 'The profile is filled in after registration. Choose "Register".',

  'document.ru_passport': 'Russian passport',
  'document.ru_international': 'Russian international passport',
  'document.kz_id_card': 'Kazakhstan ID card',
  'document.kz_passport': 'Kazakhstan passport',
  'document.foreign_passport': 'Foreign passport',
  'document.format.ru_passport': 'series (4 digits) and number (6 digits)',
  'document.format.ru_international': 'series (2 digits) and number (7 digits)',
  'document.format.kz_id_card': 'number (9 digits)',
  'document.format.kz_passport': 'number (the letter N and 8 digits)',
  'document.format.foreign': 'number (5 to 20 Latin letters and digits)',

  'account.not_registered': 'You are not registered in this chat yet. Choose "Register".',
  'account.overview':
    'Your personal account:\nE-mail: {{email}} (confirmed)\nPhone: {{phone}} (confirmed)\nProfile: {{profile}}\nIdentity: {{identity}}\nPolicies: {{policies}}',
  'account.profile.complete': 'complete',
  'account.profile.incomplete': 'incomplete; the account is limited',
  'account.identity.unconfirmed': 'not confirmed',
  'account.policies.hidden': 'shown once the profile is complete',
  'account.policies.none': 'none yet',
  'account.policy': '\n• No. {{number}}, {{product}}, {{from}} to {{to}} ({{status}})',
  'account.policy.active': 'in force',
  'account.policy.ended': 'ended',
  'account.policy.upcoming': 'not started yet',
  'account.policies.awaiting_identity':
    '\nMore policies under your document: {{count}}, shown once your identity is confirmed.',
  'account.complete_profile': 'Complete the profile',
  'account.my_data': 'My data',
  'data.ask':
    'You can ask for a copy of all the data we hold about you, or for its erasure. An operator fulfils the request within 10 working days and answers you by e-mail.',
  'data.export': 'Get a copy of my data',
  'data.erase': 'Erase my data',
  'data.back': 'Back',
  'data.erase.confirm':
    'Erasure cannot be undone: we delete your account, contacts, profile and document pictures, and you can no longer sign in. By law we keep only the record of your consent to data processing and a note that the erasure happened. Erase your data?',
  'data.erase.yes': 'Yes, erase',
  'data.erase.no': 'No, keep it',
  'data.requested.export':
    'Request received. An operator will send a copy of your data to {{email}} within 10 working days.',
  'data.requested.erase':
    'Erasure request received. An operator will carry it out within 10 working days and tell you at {{email}}.',
  'data.requested.already':
    'This request was already received ({{since}}) and is being handled; the answer will come to {{email}}.',
  'account.menu': 'Back to the menu',
  'account.sessions.title': 'Signed in:',
  'account.sessions.this': '• {{channel}}: this chat; since {{since}}',
  'account.sessions.other': '• {{channel}}: since {{since}}, active {{active}}',
  'account.sessions.end_others': 'End other sessions',
  'account.sessions.ended_others': 'Other sessions ended: {{count}}.',
  'channel.web': 'web chat',
  'channel.tg': 'Telegram',
  'error.file_expected': 'A photo is needed here: send a picture or an image file (JPEG or PNG).',
  'identity.sign_in_first':
    'Identity is confirmed for registered customers: please sign in or register first.',
  'identity.profile_first': 'Please complete your profile first: the reviewer compares the passport with it.',
  'identity.intro':
    'Identity confirmation, "selfie with passport". Three photos are needed:\n1. The passport\'s main page.\n2. A selfie holding the open passport.\n3. The passport\'s last page.\nEach is checked as it arrives, and before sending you will see all three and can replace any.',
  'identity.begin': 'Complete the application',
  'identity.continue': 'Continue the application',
  'identity.confirmed': 'Your identity is confirmed.',
  'identity.under_review': 'Your request is under review; the answer will come by {{by}}.',
  'identity.asked_again': 'The reviewer asks you to send again: {{image}}. Reason: {{reason}}.',
  'identity.rejected_before': 'Your last request was rejected. Reason: {{reason}}. You can send a new one.',
  'identity.image.main_page': "The passport's main page",
  'identity.image.selfie': 'A selfie with the passport',
  'identity.image.last_page': "The passport's last page",
  'identity.hint.main_page': 'The whole page with the photo, in daylight, no glare, every letter readable.',
  'identity.hint.selfie': 'Your face and the passport open at the photo page in one shot; neither covered.',
  'identity.hint.last_page': 'The whole last page, straight, no glare, no fingers over the text.',
  'identity.how_to_send': 'Send a photo, or a JPEG/PNG file up to 20 MB.',
  'identity.problem.not_image': 'This is not a picture. Please send a photo of the page (JPEG or PNG).',
  'identity.problem.unsupported_format':
    "We can't read this format (HEIC from an iPhone, for example). Please send a JPEG or PNG, or send the picture as a photo rather than a file.",
  'identity.problem.too_large': 'The file is over {{max}} MB. Please send a smaller picture.',
  'identity.problem.too_many_pixels':
    'The picture has far too many pixels. Please send an ordinary photo from a phone camera.',
  'identity.problem.too_small':
    'The picture is too small to read. It needs at least 600 pixels on its shorter side.',
  'identity.problem.odd_shape':
    'The picture is far too narrow for its length to show a page. Please take the whole page in an ordinary shot.',
  'identity.problem.damaged': 'The file is damaged or did not arrive whole. Please send it again.',
  'identity.problem.same_picture':
    'This picture was already sent for another page. Please send the photo asked for now.',
  'identity.problem.blurred':
    'The photo is blurred and the text is hard to read. Hold the phone still, let it focus, and take it again.',
  'identity.problem.not_asked': 'Another photo is needed now: the one the reviewer asked for.',
  'identity.summary': 'Check the photos before sending:',
  'identity.summary.blurred': '✓ (not sharp)',
  'identity.send': 'Send',
  'identity.replace.main_page': 'Replace the main page',
  'identity.replace.selfie': 'Replace the selfie',
  'identity.replace.last_page': 'Replace the last page',
  'identity.later_button': "I'll send it later",
  'identity.later': 'Your photos are kept. You can come back to the application from the menu.',
  'identity.submitted': 'Your request is under review; the answer will come {{within}}.',
  'identity.within_day': 'within 24 hours',
  'identity.within_hours': 'within {{hours}} hours',
  'identity.reason.unreadable': 'the details in the picture cannot be read',
  'identity.reason.face_not_visible': 'the selfie does not show your face or the passport',
  'identity.reason.not_matching_profile': "the passport's details do not match your profile",
  'identity.reason.document_invalid': 'the document is not valid',
  'identity.decision.approved':
    'Your identity is confirmed. Policies issued to your passport now show in "My account".',
  'identity.decision.rejected':
    'Your identity request was rejected. Reason: {{reason}}. You can send a new request from the menu.',
  'identity.decision.ask_again': 'The reviewer asks you to send again: {{image}}. Reason: {{reason}}.',
  'account.identity.confirmed': 'confirmed',
  'account.identity.under_review': 'under review, answer by {{by}}',
  'account.identity.rejected': 'request rejected ({{reason}})',
  'account.identity.asked_again': 'the reviewer asks again for: {{image}}',
  'account.identity.draft': 'request not sent yet',
  'account.complete_application': 'Complete the application',
};
