#!/usr/bin/env python3
"""Builds ru-channel-call.json: a hand-written Russian sales call in the shape of an Amazon
Transcribe channel-identification output (ch_0 = agent, ch_1 = customer; string times and
confidences; punctuation items without times; items repeated in results.items with their
channel_label, as real outputs do). Run it again after editing the dialogue below."""
import json, re

# (channel, start seconds, text). Words get 0.08 s per letter + 0.1 s, 0.05 s apart.
DIALOGUE = [
    (0, 0.8, "Добрый день! Меня зовут Анна, компания «Окна Плюс»."),
    (1, 5.4, "Здравствуйте. Я по поводу пластиковых окон."),
    (0, 9.2, "Подскажите, какие окна вас интересуют и сколько их?"),
    (1, 14.0, "Три окна в квартире, хочу узнать цену."),
    (0, 18.0, "Секунду, уточню по каталогу."),
    # 4 seconds of silence while the agent looks it up.
    (0, 24.5, "Могу предложить тариф «Стандарт» с установкой, выйдет сорок тысяч рублей за все окна."),
    # The customer cuts in while the agent is still talking.
    (1, 29.5, "Ой, дороговато как-то. У конкурентов дешевле видел."),
    (0, 34.5, "Понимаю вас. Зато у нас гарантия десять лет и монтаж входит в стоимость, у других он отдельно."),
    (1, 43.6, "А отзывам вашим вообще можно верить?"),
    (0, 47.3, "Да."),
    (1, 48.2, "Ну ладно."),
    (0, 49.6, "Оформляем?"),
    (1, 51.0, "Мне надо подумать, посоветоваться с женой."),
    (0, 55.2, "Давайте я отправлю вам расчёт на почту, и созвонимся в пятницу."),
    (1, 61.4, "Хорошо, спасибо."),
    (0, 63.2, "Спасибо за звонок, всего доброго!"),
]

def words(text):
    return re.findall(r"[\w«»-]+|[.,!?]", text)

def item(ch, start, end, content, punct=False):
    it = {"channel_label": f"ch_{ch}"}
    if not punct:
        it["start_time"] = f"{start:.2f}".rstrip("0").rstrip(".")
        it["end_time"] = f"{end:.2f}".rstrip("0").rstrip(".")
    it["alternatives"] = [{"confidence": "0.0" if punct else "0.98", "content": content}]
    it["type"] = "punctuation" if punct else "pronunciation"
    return it

channels = {0: [], 1: []}
for ch, start, text in DIALOGUE:
    t = start
    for w in words(text):
        if w in ".,!?":
            channels[ch].append(item(ch, 0, 0, w, punct=True))
            continue
        w = w.strip("«»")
        end = t + 0.1 + 0.08 * len(w)
        channels[ch].append(item(ch, t, end, w))
        t = end + 0.05
# results.items = words of both channels by start time, each followed by its punctuation.
groups = []
for ch in (0, 1):
    cur = None
    for i in channels[ch]:
        if i["type"] == "pronunciation":
            cur = [i]; groups.append(cur)
        else:
            cur.append(i)
groups.sort(key=lambda g: float(g[0]["start_time"]))
results_items = [i for g in groups for i in g]

doc = {
    "jobName": "ru-channel-call",
    "accountId": "111122223333",
    "status": "COMPLETED",
    "results": {
        "language_code": "ru-RU",
        "transcripts": [{"transcript": " ".join(text for _, _, text in DIALOGUE)}],
        "channel_labels": {
            "channels": [{"channel_label": f"ch_{c}", "items": channels[c]} for c in (0, 1)],
            "number_of_channels": 2,
        },
        "items": results_items,
    },
}
with open(__file__.replace("make_ru_call.py", "ru-channel-call.json"), "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=1)
