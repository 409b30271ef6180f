{
 "jobName": "ru-channel-call",
 "accountId": "111122223333",
 "status": "COMPLETED",
 "results": {
  "language_code": "ru-RU",
  "transcripts": [
   {
    "transcript": "Добрый день! Меня зовут Анна, компания «Окна Плюс». Здравствуйте. Я по поводу пластиковых окон. Подскажите, какие окна вас интересуют и сколько их? Три окна в квартире, хочу узнать цену. Секунду, уточню по каталогу. Могу предложить тариф «Стандарт» с установкой, выйдет сорок тысяч рублей за все окна. Ой, дороговато как-то. У конкурентов дешевле видел. Понимаю вас. Зато у нас гарантия десять лет и монтаж входит в стоимость, у других он отдельно. А отзывам вашим вообще можно верить? Да. Ну ладно. Оформляем? Мне надо подумать, посоветоваться с женой. Давайте я отправлю вам расчёт на почту, и созвонимся в пятницу. Хорошо, спасибо. Спасибо за звонок, всего доброго!"
   }
  ],
  "channel_labels": {
   "channels": [
    {
     "channel_label": "ch_0",
     "items": [
      {
       "channel_label": "ch_0",
       "start_time": "0.8",
       "end_time": "1.38",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Добрый"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "1.43",
       "end_time": "1.85",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "день"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "!"
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "1.9",
       "end_time": "2.32",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Меня"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "2.37",
       "end_time": "2.87",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "зовут"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "2.92",
       "end_time": "3.34",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Анна"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": ","
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "3.39",
       "end_time": "4.13",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "компания"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "4.18",
       "end_time": "4.6",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Окна"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "4.65",
       "end_time": "5.07",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Плюс"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "9.2",
       "end_time": "10.1",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Подскажите"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": ","
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "10.15",
       "end_time": "10.65",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "какие"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "10.7",
       "end_time": "11.12",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "окна"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "11.17",
       "end_time": "11.51",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "вас"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "11.56",
       "end_time": "12.46",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "интересуют"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "12.51",
       "end_time": "12.69",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "и"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "12.74",
       "end_time": "13.4",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "сколько"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "13.45",
       "end_time": "13.71",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "их"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "?"
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "18",
       "end_time": "18.66",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Секунду"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": ","
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "18.71",
       "end_time": "19.29",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "уточню"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "19.34",
       "end_time": "19.6",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "по"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "19.65",
       "end_time": "20.39",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "каталогу"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "24.5",
       "end_time": "24.92",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Могу"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "24.97",
       "end_time": "25.87",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "предложить"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "25.92",
       "end_time": "26.42",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "тариф"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "26.47",
       "end_time": "27.21",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Стандарт"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "27.26",
       "end_time": "27.44",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "с"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "27.49",
       "end_time": "28.39",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "установкой"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": ","
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "28.44",
       "end_time": "29.02",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "выйдет"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "29.07",
       "end_time": "29.57",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "сорок"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "29.62",
       "end_time": "30.12",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "тысяч"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "30.17",
       "end_time": "30.75",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "рублей"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "30.8",
       "end_time": "31.06",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "за"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "31.11",
       "end_time": "31.45",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "все"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "31.5",
       "end_time": "31.92",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "окна"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "34.5",
       "end_time": "35.16",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Понимаю"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "35.21",
       "end_time": "35.55",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "вас"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "35.6",
       "end_time": "36.02",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Зато"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "36.07",
       "end_time": "36.25",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "у"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "36.3",
       "end_time": "36.64",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "нас"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "36.69",
       "end_time": "37.43",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "гарантия"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "37.48",
       "end_time": "38.06",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "десять"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "38.11",
       "end_time": "38.45",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "лет"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "38.5",
       "end_time": "38.68",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "и"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "38.73",
       "end_time": "39.31",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "монтаж"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "39.36",
       "end_time": "39.94",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "входит"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "39.99",
       "end_time": "40.17",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "в"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "40.22",
       "end_time": "41.04",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "стоимость"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": ","
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "41.09",
       "end_time": "41.27",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "у"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "41.32",
       "end_time": "41.9",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "других"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "41.95",
       "end_time": "42.21",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "он"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "42.26",
       "end_time": "43",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "отдельно"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "47.3",
       "end_time": "47.56",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Да"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "49.6",
       "end_time": "50.42",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Оформляем"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "?"
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "55.2",
       "end_time": "55.86",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Давайте"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "55.91",
       "end_time": "56.09",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "я"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "56.14",
       "end_time": "56.88",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "отправлю"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "56.93",
       "end_time": "57.27",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "вам"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "57.32",
       "end_time": "57.9",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "расчёт"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "57.95",
       "end_time": "58.21",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "на"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "58.26",
       "end_time": "58.76",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "почту"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": ","
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "58.81",
       "end_time": "58.99",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "и"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "59.04",
       "end_time": "59.94",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "созвонимся"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "59.99",
       "end_time": "60.17",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "в"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "60.22",
       "end_time": "60.88",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "пятницу"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "63.2",
       "end_time": "63.86",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Спасибо"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "63.91",
       "end_time": "64.17",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "за"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "64.22",
       "end_time": "64.8",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "звонок"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": ","
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "64.85",
       "end_time": "65.35",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "всего"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "start_time": "65.4",
       "end_time": "66.06",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "доброго"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_0",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "!"
        }
       ],
       "type": "punctuation"
      }
     ]
    },
    {
     "channel_label": "ch_1",
     "items": [
      {
       "channel_label": "ch_1",
       "start_time": "5.4",
       "end_time": "6.46",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Здравствуйте"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "6.51",
       "end_time": "6.69",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Я"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "6.74",
       "end_time": "7",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "по"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "7.05",
       "end_time": "7.63",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "поводу"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "7.68",
       "end_time": "8.66",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "пластиковых"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "8.71",
       "end_time": "9.13",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "окон"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "14",
       "end_time": "14.34",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Три"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "14.39",
       "end_time": "14.81",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "окна"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "14.86",
       "end_time": "15.04",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "в"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "15.09",
       "end_time": "15.83",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "квартире"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": ","
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "15.88",
       "end_time": "16.3",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "хочу"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "16.35",
       "end_time": "16.93",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "узнать"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "16.98",
       "end_time": "17.4",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "цену"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "29.5",
       "end_time": "29.76",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Ой"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": ","
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "29.81",
       "end_time": "30.71",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "дороговато"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "30.76",
       "end_time": "31.34",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "как-то"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "31.39",
       "end_time": "31.57",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "У"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "31.62",
       "end_time": "32.6",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "конкурентов"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "32.65",
       "end_time": "33.31",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "дешевле"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "33.36",
       "end_time": "33.86",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "видел"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "43.6",
       "end_time": "43.78",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "А"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "43.83",
       "end_time": "44.49",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "отзывам"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "44.54",
       "end_time": "45.04",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "вашим"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "45.09",
       "end_time": "45.67",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "вообще"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "45.72",
       "end_time": "46.22",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "можно"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "46.27",
       "end_time": "46.85",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "верить"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "?"
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "48.2",
       "end_time": "48.46",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Ну"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "48.51",
       "end_time": "49.01",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "ладно"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "51",
       "end_time": "51.34",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Мне"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "51.39",
       "end_time": "51.81",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "надо"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "51.86",
       "end_time": "52.6",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "подумать"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": ","
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "52.65",
       "end_time": "53.87",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "посоветоваться"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "53.92",
       "end_time": "54.1",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "с"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "54.15",
       "end_time": "54.65",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "женой"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "61.4",
       "end_time": "61.98",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "Хорошо"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": ","
        }
       ],
       "type": "punctuation"
      },
      {
       "channel_label": "ch_1",
       "start_time": "62.03",
       "end_time": "62.69",
       "alternatives": [
        {
         "confidence": "0.98",
         "content": "спасибо"
        }
       ],
       "type": "pronunciation"
      },
      {
       "channel_label": "ch_1",
       "alternatives": [
        {
         "confidence": "0.0",
         "content": "."
        }
       ],
       "type": "punctuation"
      }
     ]
    }
   ],
   "number_of_channels": 2
  },
  "items": [
   {
    "channel_label": "ch_0",
    "start_time": "0.8",
    "end_time": "1.38",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Добрый"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "1.43",
    "end_time": "1.85",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "день"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "!"
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "1.9",
    "end_time": "2.32",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Меня"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "2.37",
    "end_time": "2.87",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "зовут"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "2.92",
    "end_time": "3.34",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Анна"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": ","
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "3.39",
    "end_time": "4.13",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "компания"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "4.18",
    "end_time": "4.6",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Окна"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "4.65",
    "end_time": "5.07",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Плюс"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "5.4",
    "end_time": "6.46",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Здравствуйте"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "6.51",
    "end_time": "6.69",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Я"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "6.74",
    "end_time": "7",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "по"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "7.05",
    "end_time": "7.63",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "поводу"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "7.68",
    "end_time": "8.66",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "пластиковых"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "8.71",
    "end_time": "9.13",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "окон"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "9.2",
    "end_time": "10.1",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Подскажите"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": ","
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "10.15",
    "end_time": "10.65",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "какие"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "10.7",
    "end_time": "11.12",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "окна"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "11.17",
    "end_time": "11.51",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "вас"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "11.56",
    "end_time": "12.46",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "интересуют"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "12.51",
    "end_time": "12.69",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "и"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "12.74",
    "end_time": "13.4",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "сколько"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "13.45",
    "end_time": "13.71",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "их"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "?"
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "14",
    "end_time": "14.34",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Три"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "14.39",
    "end_time": "14.81",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "окна"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "14.86",
    "end_time": "15.04",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "в"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "15.09",
    "end_time": "15.83",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "квартире"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": ","
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "15.88",
    "end_time": "16.3",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "хочу"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "16.35",
    "end_time": "16.93",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "узнать"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "16.98",
    "end_time": "17.4",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "цену"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "18",
    "end_time": "18.66",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Секунду"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": ","
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "18.71",
    "end_time": "19.29",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "уточню"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "19.34",
    "end_time": "19.6",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "по"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "19.65",
    "end_time": "20.39",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "каталогу"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "24.5",
    "end_time": "24.92",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Могу"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "24.97",
    "end_time": "25.87",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "предложить"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "25.92",
    "end_time": "26.42",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "тариф"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "26.47",
    "end_time": "27.21",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Стандарт"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "27.26",
    "end_time": "27.44",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "с"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "27.49",
    "end_time": "28.39",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "установкой"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": ","
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "28.44",
    "end_time": "29.02",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "выйдет"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "29.07",
    "end_time": "29.57",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "сорок"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "29.5",
    "end_time": "29.76",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Ой"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": ","
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "29.62",
    "end_time": "30.12",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "тысяч"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "29.81",
    "end_time": "30.71",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "дороговато"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "30.17",
    "end_time": "30.75",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "рублей"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "30.76",
    "end_time": "31.34",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "как-то"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "30.8",
    "end_time": "31.06",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "за"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "31.11",
    "end_time": "31.45",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "все"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "31.39",
    "end_time": "31.57",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "У"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "31.5",
    "end_time": "31.92",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "окна"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "31.62",
    "end_time": "32.6",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "конкурентов"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "32.65",
    "end_time": "33.31",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "дешевле"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "33.36",
    "end_time": "33.86",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "видел"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "34.5",
    "end_time": "35.16",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Понимаю"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "35.21",
    "end_time": "35.55",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "вас"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "35.6",
    "end_time": "36.02",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Зато"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "36.07",
    "end_time": "36.25",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "у"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "36.3",
    "end_time": "36.64",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "нас"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "36.69",
    "end_time": "37.43",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "гарантия"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "37.48",
    "end_time": "38.06",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "десять"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "38.11",
    "end_time": "38.45",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "лет"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "38.5",
    "end_time": "38.68",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "и"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "38.73",
    "end_time": "39.31",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "монтаж"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "39.36",
    "end_time": "39.94",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "входит"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "39.99",
    "end_time": "40.17",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "в"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "40.22",
    "end_time": "41.04",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "стоимость"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": ","
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "41.09",
    "end_time": "41.27",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "у"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "41.32",
    "end_time": "41.9",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "других"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "41.95",
    "end_time": "42.21",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "он"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "42.26",
    "end_time": "43",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "отдельно"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "43.6",
    "end_time": "43.78",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "А"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "43.83",
    "end_time": "44.49",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "отзывам"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "44.54",
    "end_time": "45.04",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "вашим"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "45.09",
    "end_time": "45.67",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "вообще"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "45.72",
    "end_time": "46.22",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "можно"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "46.27",
    "end_time": "46.85",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "верить"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "?"
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "47.3",
    "end_time": "47.56",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Да"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "48.2",
    "end_time": "48.46",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Ну"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "48.51",
    "end_time": "49.01",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "ладно"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "49.6",
    "end_time": "50.42",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Оформляем"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "?"
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "51",
    "end_time": "51.34",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Мне"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "51.39",
    "end_time": "51.81",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "надо"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "51.86",
    "end_time": "52.6",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "подумать"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": ","
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "52.65",
    "end_time": "53.87",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "посоветоваться"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "53.92",
    "end_time": "54.1",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "с"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "54.15",
    "end_time": "54.65",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "женой"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "55.2",
    "end_time": "55.86",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Давайте"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "55.91",
    "end_time": "56.09",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "я"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "56.14",
    "end_time": "56.88",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "отправлю"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "56.93",
    "end_time": "57.27",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "вам"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "57.32",
    "end_time": "57.9",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "расчёт"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "57.95",
    "end_time": "58.21",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "на"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "58.26",
    "end_time": "58.76",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "почту"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": ","
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "58.81",
    "end_time": "58.99",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "и"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "59.04",
    "end_time": "59.94",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "созвонимся"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "59.99",
    "end_time": "60.17",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "в"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "60.22",
    "end_time": "60.88",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "пятницу"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "61.4",
    "end_time": "61.98",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Хорошо"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": ","
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_1",
    "start_time": "62.03",
    "end_time": "62.69",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "спасибо"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_1",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "."
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "63.2",
    "end_time": "63.86",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "Спасибо"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "63.91",
    "end_time": "64.17",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "за"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "64.22",
    "end_time": "64.8",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "звонок"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": ","
     }
    ],
    "type": "punctuation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "64.85",
    "end_time": "65.35",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "всего"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "start_time": "65.4",
    "end_time": "66.06",
    "alternatives": [
     {
      "confidence": "0.98",
      "content": "доброго"
     }
    ],
    "type": "pronunciation"
   },
   {
    "channel_label": "ch_0",
    "alternatives": [
     {
      "confidence": "0.0",
      "content": "!"
     }
    ],
    "type": "punctuation"
   }
  ]
 }
}