import { describe, expect, it } from "vitest";
import { MEMORY_CATEGORIES } from "../memory/categories.js";
import type { MessageRole } from "../memory/ports.js";
import type { ExtractedFact, Turn } from "./ports.js";
import { extractFacts, HEDGED, STATED } from "./rule-extractor.js";

/** Facts of one user turn. */
const say = (content: string): ExtractedFact[] => extractFacts([{ seq: 0, role: "user", content }]);
/** The contents of one user turn's facts. */
const contents = (content: string) => say(content).map((f) => f.content);
const turns = (...xs: [MessageRole, string][]): Turn[] =>
  xs.map(([role, content], seq) => ({ seq, role, content }));

describe("rule-based extractor: identity, home and work", () => {
  it.each([
    ["I'm allergic to peanuts", "The user is allergic to peanuts."],
    ["My name is Priya.", "The user's name is Priya."],
    ["Hi, I'm Priya!", "The user's name is Priya."],
    ["I'm 34 years old.", "The user is 34 years old."],
    ["I'm 52, is the trek too hard?", "The user is 52 years old."],
    ["I live in Lisbon.", "The user lives in Lisbon."],
    ["I'm from Zurich originally.", "The user is from Zurich originally."],
    ["I'm based in Stockholm.", "The user is based in Stockholm."],
    ["I moved to Vienna two years ago.", "The user moved to Vienna two years ago."],
    ["I work at Acme as a data engineer.", "The user works at Acme as a data engineer."],
    ["I'm a nurse.", "The user is a nurse."],
    ["My job is mostly meetings.", "The user's job is mostly meetings."],
    ["I teach high school chemistry.", "The user teaches high school chemistry."],
  ])("%s", (input, fact) => {
    expect(say(input)).toEqual([{ content: fact, category: "factual", confidence: STATED, turn: 0 }]);
  });
});

describe("rule-based extractor: relations and dates", () => {
  it("names a relation and keeps what is said about it", () => {
    expect(contents("my sister Anna lives in Lyon")).toEqual([
      "The user's sister is named Anna.",
      "The user's sister Anna lives in Lyon.",
    ]);
  });

  it.each([
    ["My wife is called Maria.", "The user's wife is named Maria."],
    ["My dog's name is Rex.", "The user's dog is named Rex."],
    ["My son is allergic to eggs.", "The user's son is allergic to eggs."],
    ["My dad is 84 and lives alone in Porto.", "The user's dad is 84 and lives alone in Porto."],
    ["My partner doesn't drive.", "The user's partner does not drive."],
  ])("%s", (input, fact) => {
    expect(contents(input)).toEqual([fact]);
  });

  it("keeps birthdays as facts and dated events as episodes", () => {
    expect(say("My son's birthday is on April 4.")).toMatchObject([
      { content: "The user's son's birthday is on April 4.", category: "factual" },
    ]);
    expect(say("My wedding is on June 3.")).toMatchObject([
      { content: "The user's wedding is on June 3.", category: "episodic" },
    ]);
    expect(say("I have my bar exam on July 25.")).toMatchObject([
      { content: "The user's bar exam is on July 25.", category: "episodic" },
    ]);
  });

  it("reads he and she as the latest relation the user mentioned, across turns", () => {
    const facts = extractFacts(
      turns(
        ["user", "My daughter is a pharmacist."],
        ["assistant", "Then ask her!"],
        ["user", "She lives in Leeds with her two kids."],
      ),
    );
    expect(facts.map((f) => [f.turn, f.content])).toEqual([
      [0, "The user's daughter is a pharmacist."],
      [2, "The user's daughter lives in Leeds with her two kids."],
    ]);
  });

  it("leaves he and she alone when no relation was mentioned", () => {
    expect(say("She lives in Leeds.")).toEqual([]);
  });

  it("skips what other people think or say, and people who are not relations", () => {
    expect(say("My wife thinks a bootcamp is a waste of money.")).toEqual([]);
    expect(say("My brother swears by crypto.")).toEqual([]);
    expect(say("My colleague is vegan.")).toEqual([]);
    expect(say("My boss hates remote work.")).toEqual([]);
  });
});

describe("rule-based extractor: preferences, allergies and diets", () => {
  it.each([
    ["I love chickpeas.", "The user loves chickpeas."],
    ["I prefer tabs over spaces.", "The user prefers tabs over spaces."],
    ["I enjoy hiking in the Alps.", "The user enjoys hiking in the Alps."],
    ["I hate noisy hotel bars.", "The user hates noisy hotel bars."],
    ["I can't stand tofu.", "The user cannot stand tofu."],
    ["I dislike horror films.", "The user dislikes horror films."],
    ["My favourite city is Rome.", "The user's favourite city is Rome."],
    ["I'm vegetarian.", "The user is vegetarian."],
    ["I'm a huge fan of Radiohead.", "The user is a huge fan of Radiohead."],
    ["I'd prefer a remote role.", "The user would prefer a remote role."],
  ])("%s", (input, fact) => {
    expect(say(input)).toMatchObject([{ content: fact, category: "preference" }]);
  });

  it("keeps negated statements as facts", () => {
    expect(say("I don't drink coffee")).toMatchObject([
      { content: "The user does not drink coffee.", category: "preference" },
    ]);
    expect(say("I don't own a car.")).toMatchObject([{ content: "The user does not own a car." }]);
    expect(say("I don't like space grey.")).toMatchObject([
      { content: "The user does not like space grey." },
    ]);
  });

  it("files allergies and intolerances as facts", () => {
    expect(say("I'm lactose intolerant.")).toMatchObject([
      { content: "The user is lactose intolerant.", category: "factual" },
    ]);
  });
});

describe("rule-based extractor: habits and tools", () => {
  it.each([
    ["I always pick an aisle seat.", "The user always picks an aisle seat."],
    ["I never drink alcohol.", "The user never drinks alcohol."],
    ["I usually cook for four on weeknights.", "The user usually cooks for four on weeknights."],
    ["Every morning I drink a green smoothie.", "The user drinks a green smoothie every morning."],
    ["I run three times a week.", "The user runs three times a week."],
  ])("%s", (input, fact) => {
    expect(say(input)).toMatchObject([{ content: fact, category: "behavioral" }]);
  });

  it.each([
    ["I use Jupyter notebooks for everything.", "The user uses Jupyter notebooks for everything."],
    ["I mostly code in Python and R.", "The user mostly codes in Python and R."],
    ["We use Terraform for infra.", "The user's team uses Terraform for infra."],
    ["I'm on a Mac.", "The user is on a Mac."],
  ])("%s", (input, fact) => {
    expect(say(input)).toMatchObject([{ content: fact, category: "factual" }]);
  });
});

describe("rule-based extractor: changes of state state the new value", () => {
  it.each([
    ["My favourite colour is now green.", "The user's favourite colour is now green."],
    ["My favourite cuisine is Thai now.", "The user's favourite cuisine is now Thai."],
    ["I no longer live in Texas.", "The user no longer lives in Texas."],
    ["I don't drink coffee anymore.", "The user no longer drinks coffee."],
    ["I now work at Amazon.", "The user now works at Amazon."],
    ["Now I work at Amazon.", "The user now works at Amazon."],
    ["I moved to Seattle last week.", "The user moved to Seattle last week."],
    ["I used to hate spicy food but now I really enjoy it.", "The user now really enjoys spicy food."],
  ])("%s", (input, fact) => {
    expect(contents(input)).toEqual([fact]);
  });
});

describe("rule-based extractor: instructions to the assistant", () => {
  it.each([
    ["Always answer in French.", "The user wants the assistant to always answer in French."],
    ["call me Sam", "The user wants to be called Sam."],
    ["Call me Sam, not Samantha.", "The user wants to be called Sam, not Samantha."],
    ["Keep answers short.", "The user wants the assistant to keep answers short."],
    ["Please keep your answers short.", "The user wants the assistant to keep its answers short."],
    ["Don't use emojis please.", "The user does not want the assistant to use emojis."],
    ["No emojis, please.", "The user does not want emojis."],
    [
      "Can you explain things step by step from now on?",
      "The user wants the assistant to explain things step by step from now on.",
    ],
    ["I want you to answer in bullet points.", "The user wants the assistant to answer in bullet points."],
  ])("%s", (input, fact) => {
    expect(say(input)).toMatchObject([{ content: fact, category: "procedural" }]);
  });

  it("leaves one-off requests alone", () => {
    expect(say("Tell me a joke.")).toEqual([]);
    expect(say("Show me the code.")).toEqual([]);
    expect(say("Can you help me with my homework?")).toEqual([]);
    expect(say("Never heard of matrix builds, what are they?")).toEqual([]);
  });
});

describe("rule-based extractor: what is not a fact", () => {
  it.each([
    ["questions", "Do you like yoga? Would I like a ryokan?"],
    ["hypotheticals", "If I were a superhero I'd want to fly. Suppose I lived in Paris."],
    ["a condition on a statement", "I start in September if the paperwork is done."],
    ["greetings and thanks", "Hi there! Thanks so much, have a nice day!"],
    ["small talk", "Tired, it's Monday haha. How are you?"],
    ["jokes", "I'm the king of procrastination, just kidding."],
    ["passing states and requests", "I'm not sure. I need a new laptop. I'd like to book a table for two."],
    ["thoughts and courtesies", "I think you're right. I see what you mean. I hope you're well!"],
    ["one-off events without a date", "I got an error when I ran the script."],
    ["a compliment to the assistant", "I love your tips!"],
    ["an unresolvable pronoun", "I love it. I check it every day."],
    ["a reaction to a suggestion", "Ooh I like that idea."],
  ])("skips %s", (_, input) => {
    expect(say(input)).toEqual([]);
  });

  it("mines only user turns: assistant, system and tool turns are context", () => {
    const facts = extractFacts(
      turns(
        ["system", "I am a helpful assistant and I live in the cloud."],
        ["assistant", "I love helping! I'm allergic to bugs, ha."],
        ["tool", "I use Postgres 16."],
        ["user", "Thanks! I'm allergic to sesame."],
      ),
    );
    expect(facts).toEqual([
      { content: "The user is allergic to sesame.", category: "factual", confidence: 1, turn: 3 },
    ]);
  });
});

describe("rule-based extractor: sentences, clauses and pronouns", () => {
  it("splits compound sentences and several sentences of a turn", () => {
    expect(contents("Hi, I'm Priya, I'm 34 and I live in Bangalore. I work as a nurse.")).toEqual([
      "The user's name is Priya.",
      "The user is 34 years old.",
      "The user lives in Bangalore.",
      "The user works as a nurse.",
    ]);
    expect(contents("I'm lactose intolerant, and my son is allergic to eggs.")).toEqual([
      "The user is lactose intolerant.",
      "The user's son is allergic to eggs.",
    ]);
  });

  it("keeps a list together and a joint subject whole", () => {
    expect(contents("I'm allergic to pollen, cats and dust.")).toEqual([
      "The user is allergic to pollen, cats and dust.",
    ]);
    expect(contents("My husband and I are going to Tokyo in October.")).toEqual([
      "The user and the user's husband are going to Tokyo in October.",
    ]);
  });

  it("rewrites first- and second-person pronouns inside the object", () => {
    expect(contents("I live there with my partner.")).toEqual([
      "The user lives there with the user's partner.",
    ]);
    expect(contents("I manage the CI myself.")).toEqual(["The user manages the CI themselves."]);
    expect(contents("I visit my mum every Sunday with my kids.")).toEqual([
      "The user visits the user's mum every Sunday with the user's kids.",
    ]);
    expect(contents("I use your app for my notes.")).toEqual([
      "The user uses the assistant's app for the user's notes.",
    ]);
  });

  it("puts a second verb of the same subject in the third person", () => {
    expect(contents("I drive a Golf and park it on the street.")).toEqual([
      "The user drives a Golf and parks it on the street.",
    ]);
  });

  it("gives hedged statements a confidence of 0.7", () => {
    expect(say("I think I prefer yin yoga to vinyasa.")).toMatchObject([
      { content: "The user prefers yin yoga to vinyasa.", confidence: HEDGED },
    ]);
    expect(say("I'm probably going to Rome in June.")).toMatchObject([
      { confidence: HEDGED, category: "episodic" },
    ]);
    expect(say("I love chickpeas.")).toMatchObject([{ confidence: STATED }]);
  });

  it("keeps at most 10 facts per turn, in order, and each fact once", () => {
    const many = Array.from({ length: 14 }, (_, i) => `I like food number ${i + 1}.`).join(" ");
    const facts = say(many);
    expect(facts).toHaveLength(10);
    expect(facts[0]?.content).toBe("The user likes food number 1.");
    expect(facts[9]?.content).toBe("The user likes food number 10.");
    expect(say("I like jazz. I like jazz. I like jazz.")).toHaveLength(1);
  });

  it("bounds every fact to 5–1,000 characters and a valid category", () => {
    const long = `I like ${"very ".repeat(60)}long walks.`;
    for (const f of [...say(long), ...say("I love chickpeas.")]) {
      expect(f.content.length).toBeGreaterThanOrEqual(5);
      expect(f.content.length).toBeLessThanOrEqual(1000);
      expect(MEMORY_CATEGORIES).toContain(f.category);
    }
  });
});
