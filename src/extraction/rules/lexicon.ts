/** Word lists of the rule-based extractor (rule-extractor.ts). All lower-case. */

const set = (words: string) => new Set(words.trim().split(/\s+/));

/** Verbs of liking and disliking: their facts are preferences. */
export const PREFERENCE_VERBS = set(
  "like love enjoy prefer adore hate dislike detest loathe fancy favour favor avoid despise miss",
);

/** First-person verbs that report a thought, a request or a courtesy: never a fact. */
export const SKIP_VERBS = set(`
  need want think guess hope wish wonder try tried mean know agree understand forgot forget remember
  appreciate thank suppose believe bet say said tell ask asked wanted needed apologize apologise promise
  swear doubt assume realize realise notice noticed recommend suggest mind care let gotta
  reckon figure imagine expect
`);

/** Light verbs: a fact only with a habit or date marker ("I go to the gym every Monday"). */
export const LIGHT_VERBS = set(`
  see saw get go come look found find sent send make made call called check checked order ordered pay
  paid receive received am was did had have has feel felt hear heard put keep buy bought
`);

/** Verbs a relation's statement is reported with: the fact is someone's opinion, not the user's. */
export const REPORTED_VERBS = set(`
  thinks think says say said told tells believes reckons swears feels wants wanted asked asks suggested
  suggests recommends recommended claims insists mentioned hopes wonders would might could should may
  will must keeps
`);

/** Past forms that record a change of state, a life event or the user's history. */
export const CHANGE_VERBS = set(`
  moved relocated switched started stopped quit gave went adopted bought sold married divorced graduated
  retired joined left lost broke finished began became changed converted turned emigrated immigrated
  transferred grew studied worked lived trained served
`);
/** Past forms about where the user lived and worked: facts even when dated. */
export const HISTORY_VERBS = set("moved relocated grew lived worked studied emigrated immigrated");

/** Irregular past forms (regular ones end in -ed). */
export const IRREGULAR_PAST = set(`
  was were had did went got made took gave came saw said told left lost broke began became bought sold
  ran wrote drove flew grew knew met paid sent spent taught thought won wore fell felt found
  heard kept quit
`);

/** Adverbs that may sit between the subject and the verb; kept in the fact. */
export const ADVERBS = set(`
  also still now currently really just actually mostly mainly generally usually always never often
  sometimes normally typically already even only absolutely totally definitely honestly recently finally
  basically literally personally rarely seldom regularly occasionally mostly primarily exclusively
  strongly kind sort pretty truly genuinely seriously simply certainly originally properly
`);

/** Hedge words: the statement is clear but not certain (confidence 0.7). */
export const HEDGES =
  /\b(?:probably|maybe|perhaps|i think|i guess|i suppose|i believe|pretty sure|kind of|sort of|might)\b/i;

/** Relation nouns: people and animals of the user's life. */
export const FEMALE = set(`
  wife mother mom mum mommy mummy sister daughter girlfriend fiancée fiancee grandmother grandma granny
  nan nana aunt auntie niece stepmother stepmom stepmum stepdaughter stepsister mother-in-law
  sister-in-law daughter-in-law godmother goddaughter mare granddaughter
`);
export const MALE = set(`
  husband father dad daddy brother son boyfriend fiancé fiance grandfather grandpa granddad grandad uncle
  nephew stepfather stepdad stepson stepbrother father-in-law brother-in-law son-in-law godfather godson
  stallion gelding grandson
`);
export const NEUTRAL = set(`
  partner spouse friend kid child baby toddler teenager cousin sibling twin dog puppy cat kitten pet horse
  parrot rabbit bunny hamster guinea-pig tortoise turtle fish goldfish bird snake lizard bestie flatmate
  roommate pony foal ferret grandchild grandkid
`);
/** Plural relations and groups: facts about them are kept, pronouns never resolve to them. */
export const GROUPS = set(`
  kids children parents siblings grandparents grandkids grandchildren twins cousins friends dogs cats pets
  family in-laws team company startup household folks
`);

/** Nouns whose value is a fact about the user ("my name is", "my birthday is on …"). */
export const ATTRIBUTES = set(`
  name age job role title position birthday anniversary wedding exam exams surgery operation appointment
  interview flight trip holiday vacation honeymoon hometown diet goal stack setup editor os religion
  pronouns employer major degree school university college commute schedule shift routine hobby hobbies
  passion specialty speciality field profession occupation nationality language languages tongue height
  weight size allergy allergies condition blood gym team company office background eyesight hearing
  health memory date
  english french spanish german italian portuguese dutch japanese chinese mandarin arabic russian
  hindi korean polish swedish
`);
/** Things the user owns whose description is a fact ("my laptop runs Ubuntu"). */
export const DEVICES = set(`
  laptop phone computer pc mac car bike desktop tablet watch keyboard services service servers server app
  apps backend frontend website site database stack infrastructure infra api codebase product printer
`);

/** Dated or life-event attributes: their facts are episodes. */
export const EVENT_ATTRIBUTES = set(`
  wedding exam exams surgery operation appointment interview flight trip holiday vacation honeymoon date
`);

/** Adjectives (and phrases' first words) after "I am" that describe the user durably. */
export const DURABLE_ADJECTIVES = set(`
  allergic intolerant lactose gluten gluten-free vegetarian vegan pescatarian pescetarian diabetic celiac coeliac
  married divorced single engaged widowed pregnant retired unemployed self-employed freelance left-handed
  right-handed colorblind colourblind color-blind colour-blind deaf blind introverted extroverted
  introvert extrovert shy risk-averse afraid scared terrified into fond keen good bad terrible rubbish
  hopeless great awful useless decent fluent native bilingual trilingual addicted obsessed open interested sensitive asthmatic
  epileptic autistic dyslexic short-sighted nearsighted long-sighted teetotal sober halal kosher vegetarian
  originally based from british english french german spanish italian irish scottish welsh american
  canadian mexican brazilian argentinian australian indian chinese japanese korean dutch belgian swiss
  austrian polish swedish norwegian danish finnish greek turkish portuguese russian ukrainian nigerian
  kenyan egyptian israeli pakistani filipino vietnamese thai new
`);

/** Adjectives that would make "I am X" a preference rather than a fact. */
export const PREFERENCE_ADJECTIVES = set("into fond keen open interested obsessed addicted");

/** Diet words: facts about what the user eats are preferences. */
export const DIET_WORDS = set(`
  vegetarian vegan pescatarian pescetarian gluten-free halal kosher teetotal eat eating eats drink drinking
  drinks meat dairy
`);

/** "-ing" verbs after "I am" that describe an ongoing durable situation. */
export const ONGOING = set(`
  learning studying recovering renovating applying saving training planning moving expecting building
  writing working living visiting flying travelling traveling starting retiring raising caring thinking
  taking preparing getting relocating teaching running doing going knitting sewing painting hosting
  organising organizing avoiding
`);

/** Verbs that start an instruction to the assistant. */
export const IMPERATIVES = set(`
  answer reply respond write use keep call show give explain format include avoid stop talk speak correct
  address be make put list skip add remember text email send mention stick refer limit reply translate
  summarize summarise quiz tell don't dont never always only
`);

/** Words that make an instruction durable or about the form of answers. */
export const INSTRUCTION_MARKERS =
  /\b(?:always|never|from now on|going forward|in future|in the future|next time|every time|each time|by default|short|shorter|brief|concise|detailed|simple|simpler|bullet|bullets|emojis?|formal|informal|casual|spelling|metric|imperial|euros?|dollars?|pounds|celsius|fahrenheit|step by step|tone|paragraphs?|english|french|spanish|german|italian|portuguese|dutch|japanese|chinese)\b/i;

/** Words that start an interrogative clause. */
export const QUESTION_STARTS = set(`
  is are was were do does did can could should would will shall may might must have has what how why where
  when which who whom whose any anything isn't aren't don't doesn't won't
`);

/** Words before a comma or conjunction that start a new clause. */
export const CLAUSE_STARTS = set(`
  i i'm i've i'd i'll im ive my we we're we've our he she he's she's it it's that that's this which the
  these those there there's
`);

/** Words at a clause's start that carry no content ("Yes, …", "Actually …"). */
export const LEADING_FILLERS = set(`
  and but so because cause though although while whereas since also actually honestly well oh ooh ah ahh
  yeah yes yep yup nope ok okay right sure cool great nice anyway anyways btw update fyi plus then hi
  hello hey hiya hola sorry ugh um uh hmm fine good perfect thanks lol haha definitely besides otherwise
  edit ps p.s
`);

/** Month names for date expressions. */
export const MONTHS =
  "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec";
export const WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday";
const DAYS = WEEKDAYS;
const PERIODS = `day|morning|afternoon|evening|night|week|weekend|weekday|weeknight|month|year|${DAYS}`;

/** Habit markers: a statement with one of these is behavioural. */
export const FREQUENCY = new RegExp(
  `\\b(?:always|never|usually|often|normally|typically|generally|regularly|sometimes|rarely|seldom|occasionally|daily|weekly|nightly|monthly|every(?: other)? (?:${PERIODS})s?|each (?:${PERIODS})|on (?:${PERIODS})s|(?:once|twice|\\w{1,10} times) (?:a|per) (?:day|week|month|year)|(?:a|per) (?:day|week|month))\\b`,
  "i",
);

/** Date and time markers: a statement with one of these (and no habit marker) is an episode. */
export const DATED = new RegExp(
  `\\b(?:(?:${MONTHS}) \\d{1,2}(?:st|nd|rd|th)?|\\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:${MONTHS})|(?:in|since|last|next|this|early|late) (?:${MONTHS}|spring|summer|autumn|fall|winter)|(?:next|last|this) (?:week|month|year|weekend|${DAYS})|tomorrow|yesterday|tonight|\\d{1,2} (?:days|weeks|months|years) ago|(?:a|one|two|three|four|five|six|few) (?:days|weeks|months|years) ago|in (?:19|20)\\d\\d|over (?:christmas|easter|the holidays|the summer)|on (?:${DAYS}))\\b`,
  "i",
);

/** Common English words that are capitalised at a sentence start but are not names. */
export const NOT_NAMES = set(`
  i the a an and but so my our we he she they it this that there here what when where who how why yes no
  not ok okay hi hello hey thanks thank please sorry well oh just also is was are
`);
