import { describe, expect, it } from "vitest";
import { anchorQuery, strongOverlap } from "./conflict-candidates.js";
import { compareValues, hasAdditiveMarker, hasChangeMarker, subjectKey, subjectOf } from "./subject-key.js";

describe("subjectKey", () => {
  it.each([
    ["The user's favourite colour is blue", "user:favourite colour"],
    ["The user's favorite color is now green, not blue", "user:favourite colour"],
    ["The user lives in Paris", "user:home"],
    ["The user moved to Madrid last month", "user:home"],
    ["The user is based in Dublin", "user:home"],
    ["The user works at Acme", "user:employer"],
    ["The user's employer is Shopify", "user:employer"],
    ["The user left Initech and joined Acme Corp", "user:employer"],
    ["The user is unemployed", "user:employer"],
    ["The user works as a nurse", "user:job title"],
    ["The user's job title is Senior Engineer", "user:job title"],
    ["The user is a software engineer at Google", "user:job title"],
    ["The user's sister is named Anna", "sister:name"],
    ["The user's sister's name is Anna", "sister:name"],
    ["The user's manager is Priya", "manager:name"],
    ["The user's boss is named Priya", "manager:name"],
    ["Caroline's sister is named Anna", "caroline sister:name"],
    ["The user is 34 years old", "user:age"],
    ["The user is 29", "user:age"],
    ["Her daughter is 7 years old", "daughter:age"],
    ["The user's dog Rex is 4 years old", "dog rex:age"],
    ["The user's parents live in Munich", "parents:home"],
    ["The user is vegetarian", "user:diet"],
    ["The user is no longer vegetarian", "user:diet"],
    ["The user is married to Jordan", "user:relationship status"],
    ["The user is divorced", "user:relationship status"],
    ["The user uses VS Code as their main editor", "user:main editor"],
    ["The user switched to Neovim as their main editor", "user:main editor"],
    ["The user has one sister", "user:number of sisters"],
    ["The user has two sisters", "user:number of sisters"],
    ["The user's time zone is Pacific Time", "user:time zone"],
  ])("%s → %s", (content, key) => {
    expect(subjectKey(content)).toBe(key);
  });

  it("gives each item of a list-like attribute its own key: two allergies are two facts", () => {
    expect(subjectKey("The user is allergic to peanuts")).toBe("user:allergy peanut");
    expect(subjectKey("The user is also allergic to shellfish")).toBe("user:allergy shellfish");
    expect(subjectKey("The user likes tea")).not.toBe(subjectKey("The user likes coffee"));
    expect(subjectKey("The user speaks Spanish")).not.toBe(subjectKey("The user speaks French"));
    // The same item negated keeps its key, so the denial meets the fact it denies.
    expect(subjectKey("The user is not allergic to penicillin")).toBe(
      subjectKey("The user is allergic to penicillin"),
    );
    expect(subjectKey("The user hates jazz")).toBe(subjectKey("The user likes jazz"));
  });

  it("is null for statements it does not recognise", () => {
    for (const content of [
      "The user prefers window seats on long flights",
      "Weekly sync is on Tuesday",
      "The user supports Liverpool FC",
      // Only the statement's own predicate counts, not a clause inside it.
      "The user networks with people towards the goal of joining local politics",
      "The user took a long drive to the mountains",
      "the",
      "",
    ]) {
      expect(subjectKey(content)).toBeNull();
    }
  });
});

describe("subjectOf", () => {
  it("reads the value, up to where the clause ends", () => {
    expect(subjectOf("The user lives in an apartment in Porto")?.value).toEqual(["apart", "porto"]);
    expect(subjectOf("The user lives in Paris with their partner")?.value).toEqual(["pari"]);
    expect(subjectOf("The user works at Acme as a data engineer")?.value).toEqual(["acm"]);
    expect(subjectOf("The user's favourite colour is now green, not blue")?.value).toEqual(["green"]);
    expect(subjectOf("The user's team standup is at 9:30")?.value).toEqual(["930"]);
  });

  it("tells a denial from a negation inside the value", () => {
    expect(subjectOf("The user no longer lives in Porto")).toMatchObject({ negated: true, changed: true });
    expect(subjectOf("The user doesn't drink coffee anymore")).toMatchObject({ negated: true });
    expect(subjectOf("The user is not a morning person")).toMatchObject({ negated: true });
    expect(subjectOf("The user can't stand spicy food anymore")).toMatchObject({
      negated: true,
      negationMarker: false,
    });
    // "…, not blue" qualifies the new value; the statement itself is affirmative.
    expect(subjectOf("The user's favourite colour is now green, not blue")).toMatchObject({
      negated: false,
      changed: true,
    });
  });

  it("marks a value as replaceable only for known single-valued attributes of a known owner", () => {
    expect(subjectOf("The user lives in Paris")?.certain).toBe(true);
    expect(subjectOf("The user's wife is named Anna")?.certain).toBe(true);
    // The user may have several sisters; which one is named Anna is not said.
    expect(subjectOf("The user's sister is named Anna")?.certain).toBe(false);
    expect(subjectOf("The user's team standup is at 9:30")?.certain).toBe(false);
    expect(subjectOf("The user is allergic to peanuts")?.single).toBe(false);
  });

  it("keeps what qualifies a denial", () => {
    expect(subjectOf("The user doesn't drink coffee after 3 pm")?.qualifier).toEqual(["3", "pm"]);
    expect(subjectOf("The user doesn't drink coffee anymore")?.qualifier).toEqual([]);
  });
});

describe("markers and values", () => {
  it("finds change and additive markers", () => {
    expect(hasChangeMarker("The user now works at Globex")).toBe(true);
    expect(hasChangeMarker("The user switched to Neovim")).toBe(true);
    expect(hasChangeMarker("The user is not vegetarian anymore")).toBe(true);
    expect(hasChangeMarker("The user works at Globex")).toBe(false);
    expect(hasAdditiveMarker("The user is now learning Italian as well")).toBe(true);
    expect(hasAdditiveMarker("The user is learning Italian")).toBe(false);
  });

  it("compares values: the same, a refinement, different, or unknown", () => {
    expect(compareValues(["pari"], ["pari", "franc"])).toBe("same");
    expect(compareValues(["pari"], ["berlin"])).toBe("different");
    expect(compareValues([], ["berlin"])).toBe("unknown");
  });
});

describe("candidate helpers", () => {
  it("builds a full-text query from a subject's anchors, spelling variants included", () => {
    const s = subjectOf("The user's favourite colour is blue");
    expect(s && anchorQuery(s)).toBe("(favourite | favorite) & (colour | color)");
    // A relation's name may come without "named": the relation alone anchors it.
    const sister = subjectOf("The user's sister is named Anna");
    expect(sister && anchorQuery(sister)).toBe("sister");
    const manager = subjectOf("The user's boss is Priya");
    expect(manager && anchorQuery(manager)).toBe("(manager | boss)");
    const home = subjectOf("The user moved to Madrid");
    expect(home && anchorQuery(home)).toContain("live | lives");
  });

  it("calls two statements lexically close when most content words are shared", () => {
    expect(
      strongOverlap(
        "The user prefers light mode in their editor",
        "The user prefers dark mode in their editor",
      ),
    ).toBe(true);
    expect(strongOverlap("The user works from the office every day now", "The user works remotely")).toBe(
      true,
    );
    expect(strongOverlap("The user likes tea", "The user plays the piano")).toBe(false);
  });
});
