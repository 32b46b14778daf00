"""Writes data/input.txt, the corpus the demo trains on.

The text is composed here from small hand-written word lists and sentence patterns (no third-party text),
so it may be shared freely. A fixed seed makes the file reproducible byte for byte:

    python3 make_corpus.py            # ~300 KB
    python3 make_corpus.py --kb 500
"""
import argparse
import os
import random

PLACES = ["the harbour", "the old mill", "the valley", "the river bend", "the market square", "the lighthouse",
          "the orchard", "the northern road", "the chapel on the hill", "the salt marsh", "the bakery",
          "the school house", "the ferry landing", "the quarry", "the village green", "the library"]
PEOPLE = ["the miller", "the ferryman", "a young clerk", "the baker's daughter", "an old sailor", "the doctor",
          "two shepherds", "the schoolmistress", "a travelling tinker", "the lamplighter", "the carpenter",
          "a weary pilgrim", "the innkeeper", "the blacksmith", "a quiet child", "the fisherman's wife"]
THINGS = ["a lantern", "a bundle of letters", "a brass key", "a loaf of bread", "a basket of apples",
          "an old map", "a wooden flute", "a coil of rope", "a jar of honey", "a torn sail", "a pocket watch",
          "a book of songs", "a sack of flour", "a silver coin", "a pair of boots", "a compass"]
VERBS_T = ["carried", "found", "mended", "lost", "sold", "hid", "painted", "counted", "wrapped", "returned",
           "dropped", "opened", "weighed", "borrowed", "polished", "gave away"]
VERBS_I = ["waited", "laughed", "wandered", "slept", "sang", "listened", "worked", "rested", "watched the sky",
           "kept silent", "walked slowly", "looked back", "hurried on", "stood still"]
TIMES = ["at dawn", "before noon", "in the evening", "after the storm", "on market day", "late at night",
         "in early spring", "when the tide turned", "during the long winter", "as the bells rang",
         "on the first of May", "while the rain fell", "at harvest time", "before the frost"]
WEATHER = ["The wind came from the west", "A thin fog lay over the water", "The sun was warm on the stones",
           "Snow had fallen in the night", "Clouds gathered above the hills", "The air smelled of rain",
           "It was a clear and cold morning", "The evening light was golden", "Thunder rolled far away"]
ADJ = ["quiet", "bright", "narrow", "crowded", "empty", "ancient", "muddy", "cheerful", "grey", "busy", "lonely",
       "green", "crooked", "peaceful"]
FEEL = ["glad", "tired", "curious", "worried", "hopeful", "proud", "restless", "content", "puzzled", "calm"]
SAYS = ["said", "asked", "whispered", "called out", "replied", "muttered", "answered"]
LINES = ["Is it far to the next town?", "We shall need more light before long.", "I have seen this place before.",
         "Nobody came by the road today.", "Keep the fire going until morning.", "The boat leaves at six.",
         "Mind the step, it is worn.", "There is bread enough for everyone.", "Where did you learn that song?",
         "The river is higher than last year.", "Count them again, slowly.", "Tomorrow will be fair, I think."]


def cap(s):
    return s[0].upper() + s[1:]


def sentence(r):
    k = r.randrange(9)
    p, q = r.choice(PEOPLE), r.choice(PEOPLE)
    if k == 0:
        return f"{cap(p)} {r.choice(VERBS_T)} {r.choice(THINGS)} {r.choice(TIMES)}."
    if k == 1:
        return f"{r.choice(WEATHER)}, and {p} {r.choice(VERBS_I)} near {r.choice(PLACES)}."
    if k == 2:
        return f"\"{r.choice(LINES)}\" {r.choice(SAYS)} {p}."
    if k == 3:
        return f"{cap(r.choice(TIMES))} {p} went down to {r.choice(PLACES)}, which was {r.choice(ADJ)} and {r.choice(ADJ)}."
    if k == 4:
        return f"{cap(p)} felt {r.choice(FEEL)}, for {q} had {r.choice(VERBS_T)} {r.choice(THINGS)}."
    if k == 5:
        n = r.randrange(2, 40)
        return f"There were {n} boats at {r.choice(PLACES)} and {r.randrange(1, n + 1)} of them were {r.choice(ADJ)}."
    if k == 6:
        return f"{cap(q)} {r.choice(VERBS_I)}, and {p} {r.choice(VERBS_I)} as well."
    if k == 7:
        return f"{r.choice(WEATHER)} {r.choice(TIMES)}."
    return f"Near {r.choice(PLACES)}, {p} {r.choice(VERBS_T)} {r.choice(THINGS)} and {r.choice(VERBS_I)}."


def paragraph(r):
    return " ".join(sentence(r) for _ in range(r.randrange(3, 8)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=int, default=300, help="approximate size in kilobytes")
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "input.txt"))
    a = ap.parse_args()
    r = random.Random(a.seed)
    parts, size, chapter = [], 0, 0
    while size < a.kb * 1000:
        if size == 0 or r.random() < 0.04:
            chapter += 1
            block = f"CHAPTER {chapter}\n\n"
        else:
            block = paragraph(r) + "\n\n"
        parts.append(block)
        size += len(block)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("".join(parts))
    print(f"wrote {size} characters to {a.out}")


if __name__ == "__main__":
    main()
