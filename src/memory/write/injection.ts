/** A pattern of text aimed at the model rather than stating a fact, with its weight. */
const SIGNALS: [RegExp, number][] = [
  [
    /\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|your|the)\b[^.\n]{0,20}\b(?:instructions?|prompts?|rules|directives?|guidelines)\b/i,
    0.85,
  ],
  [/\b(?:new|updated|real)\s+(?:system\s+)?instructions?\s*[:-]/i, 0.6],
  [
    /\b(?:reveal|print|show|repeat|output|leak)\b[^.\n]{0,30}\b(?:system\s+prompt|instructions|directive|hidden\s+prompt)\b/i,
    0.7,
  ],
  [/<\/?\s*(?:system|assistant|user|directive|instructions?|[a-z]+_memories|memory)\b[^>]*>/i, 0.75],
  [/<\|(?:im_start|im_end|system|endoftext)\|>|\[\/?(?:INST|SYS)\]|^#{2,}\s*(?:system|instruction)/im, 0.8],
  [/^\s*(?:system|assistant)\s*:/im, 0.5],
  [/\byou\s+(?:are|will)\s+now\b|\bfrom\s+now\s+on\s+you\b/i, 0.45],
  [/\b(?:act|behave)\s+as\b|\bpretend\s+(?:to\s+be|you\s+are)\b|\broleplay\s+as\b/i, 0.3],
  [/\bdo\s+not\s+(?:tell|inform|reveal\s+to)\s+the\s+user\b|\bwithout\s+telling\s+the\s+user\b/i, 0.6],
  [/\b(?:jailbreak|DAN\s+mode|developer\s+mode)\b/i, 0.6],
  [/\b(?:always|must)\s+(?:respond|answer|reply)\s+with\b/i, 0.35],
];

/**
 * Prompt-injection risk in [0, 1]: a noisy-OR of the signals found, so one strong
 * signal ("ignore previous instructions") crosses the 0.70 quarantine threshold alone
 * and several weak ones (role-play, "you are now") add up.
 */
export function injectionRisk(text: string): number {
  let keep = 1;
  for (const [re, weight] of SIGNALS) if (re.test(text)) keep *= 1 - weight;
  return Math.round((1 - keep) * 1000) / 1000;
}
