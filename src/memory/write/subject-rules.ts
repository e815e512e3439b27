/**
 * The predicate rules of subject keys (subject-key.ts): each maps a predicate the
 * user's memories state ("lives in …", "works at …", "is allergic to …") to an
 * attribute, whether it holds one value at a time, and the words a memory on it
 * contains. First matching rule wins; the value starts at group `v` (or `w`).
 */

export interface Rule {
  re: RegExp;
  attribute: string | ((g: Record<string, string>) => string);
  single: boolean;
  anchors: string[] | ((g: Record<string, string>) => string[]);
  object?: boolean;
  negative?: boolean;
  stops?: string[];
  /** Only for a relation (the user's sister, dog …) or a named person, not the user. */
  relationOnly?: boolean;
}

export const HOME =
  "live lives living reside resides based moved moving relocated home city residence address".split(" ");
export const WORK = [
  "work",
  "works",
  "working",
  "employed",
  "employer",
  "joined",
  "joining",
  "job",
  "company",
];
const STANCE_WORDS = "like likes love loves enjoy enjoys hate hates dislike dislikes".split(" ");
const DIETS = "vegetarian|vegan|pescatarian|omnivore|carnivore|flexitarian";
const STATUSES = "single|married|engaged|divorced|widowed|separated|in a relationship";
const plural = (noun: string) => (noun === "child" ? "children" : noun.endsWith("s") ? noun : `${noun}s`);
const NUMBER_WORDS = "no|one|two|three|four|five|six|seven|eight|nine|ten|\\d+";

// First matching rule wins; the value starts at group `v` (or `w` in a second alternative).
export const RULES: Rule[] = [
  {
    re: /\b(?:uses|use|using|switched to|moved to|changed to|prefers) (?<v>.+?) as (?:their |his |her |the |a |an |my )?(?<n>main|primary|default|preferred|daily|go to|favourite) (?<m>[a-z]+)/d,
    attribute: (g) => `main ${g.m}`,
    single: true,
    anchors: (g) => [g.m ?? "main"],
  },
  {
    re: /\b(?:lives|live|living|resides|reside|residing|is based|based|has moved|moved|moving|relocated|relocating|has relocated) (?:in|to|at) (?<v>.+)/d,
    attribute: "home",
    single: true,
    anchors: HOME,
    stops: ["near", "outside"],
  },
  {
    re: /\b(?:is|are) (?:unemployed|jobless|between jobs|out of work|retired)\b|\b(?:lost (?:their|his|her|a|the) job|was laid off|got laid off)\b/d,
    attribute: "employer",
    single: true,
    anchors: [...WORK, "unemployed", "retired", "laid"],
    negative: true,
  },
  {
    re: /\b(?:works|work|working|is employed|employed) (?:at|for|by) (?<v>.+)/d,
    attribute: "employer",
    single: true,
    anchors: WORK,
    stops: ["in", "on"],
  },
  {
    re: /\b(?:joined|joining|has joined) (?<v>.+)/d,
    attribute: "employer",
    single: true,
    anchors: WORK,
    stops: ["in", "on"],
  },
  {
    re: /\b(?:got|started|has|landed|accepted|took) (?:a |an )?(?:new )?(?:job|position|role) (?:at|with) (?<v>.+)/d,
    attribute: "employer",
    single: true,
    anchors: WORK,
    stops: ["in", "on"],
  },
  {
    re: /\b(?:works|work|working|is employed|employed) as (?<v>.+)/d,
    attribute: "job title",
    single: true,
    anchors: ["work", "works", "working", "employed", "job", "title", "role"],
    stops: ["at", "in", "on"],
  },
  {
    re: /\b(?:studies|studying|is studying|is a student|student|is enrolled|enrolled) at (?<v>.+)/d,
    attribute: "school",
    single: true,
    anchors: ["study", "studies", "studying", "student", "enrolled", "school", "university"],
    stops: ["in", "on"],
  },
  {
    re: /\bis (?<v>\d+) (?:years?|yrs?) old\b|\b(?:is aged|turned|has turned) (?<w>\d+)\b/d,
    attribute: "age",
    single: true,
    anchors: ["old", "age", "aged", "turned"],
  },
  {
    // "The user is 29": a bare number, nothing after it.
    re: /^(?:is|are) (?<v>\d{1,3})$/d,
    attribute: "age",
    single: true,
    anchors: ["old", "age", "aged", "turned"],
  },
  {
    // "is a software engineer at Google": a role at an organisation.
    re: /\b(?:is|are) (?:a|an) (?<v>[a-z]+(?: [a-z]+){0,3}) (?:at|for|with) /d,
    attribute: "job title",
    single: true,
    anchors: ["work", "works", "working", "employed", "job", "title", "role"],
  },
  {
    re: /\b(?:is|are|was) (?:named|called) (?<v>.+)/d,
    attribute: "name",
    single: true,
    anchors: ["named", "called", "name"],
  },
  {
    re: /\b(?:goes by|prefers to be called) (?<v>.+)/d,
    attribute: "preferred name",
    single: true,
    anchors: ["goes", "called", "name"],
  },
  {
    re: /\bwas born on (?<v>.+)/d,
    attribute: "birthday",
    single: true,
    anchors: ["born", "birthday"],
  },
  {
    re: new RegExp(
      `\\b(?:is|are) (?:a |an )?(?<v>${DIETS})\\b|\\b(?:follows|is on|eats) (?:a |an )(?<w>${DIETS}) diet\\b`,
      "d",
    ),
    attribute: "diet",
    single: true,
    anchors: [...DIETS.split("|"), "diet"],
  },
  {
    re: new RegExp(`\\b(?:is|are) (?<v>(?:${STATUSES})(?: (?:to|with) [a-z]+)?)\\b`, "d"),
    attribute: "relationship status",
    single: true,
    anchors: [...STATUSES.split("|").filter((s) => !s.includes(" ")), "relationship"],
  },
  {
    re: /\bis (?:a |an )(?<v>morning person|night owl|early riser|early bird|night person|evening person)\b/d,
    attribute: "chronotype",
    single: true,
    anchors: ["morning", "night", "owl", "early", "evening"],
  },
  {
    re: /\b(?:drives|drive) (?:a|an) (?<v>.+)/d,
    attribute: "car",
    single: true,
    anchors: ["drives", "drive", "driving", "car"],
  },
  {
    re: new RegExp(
      `\\b(?:has|have) (?<v>${NUMBER_WORDS}) (?<m>child|children|sons?|daughters?|siblings?|brothers?|sisters?|grandchildren|cats?|dogs?|pets?)\\b`,
      "d",
    ),
    // "one sister" and "two sisters" count the same thing.
    attribute: (g) => `number of ${plural(g.m ?? "children")}`,
    single: true,
    anchors: (g) => [g.m ?? "children", plural(g.m ?? "children")],
  },
  {
    re: /\b(?:is|are) allergic to (?<v>.+)|\bhas an? (?<w>.+?) allerg(?:y|ies)\b/d,
    attribute: "allergy",
    single: false,
    object: true,
    anchors: ["allergic", "allergy", "allergies"],
  },
  {
    re: /\b(?:hates|hate|dislikes|dislike|detests|detest|cant stand|cannot stand|is not a fan of|loathes) (?<v>.+)/d,
    attribute: "stance",
    single: false,
    object: true,
    negative: true,
    anchors: STANCE_WORDS,
  },
  {
    re: /\b(?:likes|like|loves|love|enjoys|enjoy|adores|adore|is a fan of|is into|is fond of) (?<v>.+)/d,
    attribute: "stance",
    single: false,
    object: true,
    anchors: STANCE_WORDS,
  },
  {
    re: /\b(?:drinks|drink|drinking|eats|eat|eating) (?<v>.+)/d,
    attribute: "consumes",
    single: false,
    object: true,
    anchors: ["drink", "drinks", "drinking", "eat", "eats", "eating"],
    stops: ["in", "on", "at"],
  },
  {
    re: /\b(?:speaks|speak|speaking) (?<v>.+)/d,
    attribute: "speaks",
    single: false,
    object: true,
    anchors: ["speak", "speaks", "speaking", "language"],
  },
  {
    re: /\b(?:plays|play|playing) (?<v>.+)/d,
    attribute: "plays",
    single: false,
    object: true,
    anchors: ["play", "plays", "playing"],
    stops: ["on", "at", "in"],
  },
  {
    re: /\b(?:is learning|learning|learns|learn|studies|studying) (?<v>.+)/d,
    attribute: "learning",
    single: false,
    object: true,
    anchors: ["learn", "learning", "learns", "studies", "studying"],
    stops: ["on", "at", "in"],
  },
  {
    re: /\b(?:visited|visits|went to|traveled to|has been to|flew to|travels to) (?<v>.+)/d,
    attribute: "visited",
    single: false,
    object: true,
    anchors: ["visited", "visit", "went", "traveled", "travelled", "flew", "travels"],
    stops: ["in", "on", "at"],
  },
  {
    // Ownership that ended: "sold their Honda Civic", "gave away the piano".
    re: /\b(?:sold|gave away|got rid of) (?<v>.+)/d,
    attribute: "has",
    single: false,
    object: true,
    negative: true,
    anchors: [],
  },
  {
    re: /\b(?:has|owns|have|own) (?:a |an )(?<v>.+)/d,
    attribute: "has",
    single: false,
    object: true,
    anchors: ["has", "have", "owns", "own"],
  },
  {
    re: /\b(?:uses|use|using) (?<v>.+)/d,
    attribute: "uses",
    single: false,
    object: true,
    anchors: ["use", "uses", "using"],
    stops: ["on", "at", "in"],
  },
  {
    re: /^(?:is|are) (?<v>[A-Z].*)/d,
    attribute: "name",
    single: true,
    anchors: ["named", "called", "name"],
    relationOnly: true,
  },
];
