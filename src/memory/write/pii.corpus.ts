import type { PiiKind } from "./pii.js";

/** One labelled example: what must be found, and what must survive untouched. */
export interface PiiCase {
  text: string;
  finds: Partial<Record<PiiKind, number>>;
  keeps?: string[];
}

/**
 * The labelled corpus behind ADR-0034: positives of every kind and near-misses
 * (order numbers, versions, dates, ids) that a redactor must leave alone. Synthetic
 * data only: test card numbers, documentation IPs, example domains.
 */
export const PII_CORPUS: PiiCase[] = [
  // e-mail
  { text: "Reach me at jane.doe+work@example.com tomorrow", finds: { EMAIL: 1 }, keeps: ["tomorrow"] },
  { text: "CC: a@b.io and ops-team@mail.example.co.uk", finds: { EMAIL: 2 } },
  { text: "Use the @mention feature and email@ address fields", finds: {}, keeps: ["@mention", "email@"] },
  // phones
  { text: "My cell is (415) 555-0132.", finds: { PHONE: 1 } },
  { text: "Call 415-555-0132 or 415.555.0199", finds: { PHONE: 2 } },
  { text: "Office: +1 415 555 0132", finds: { PHONE: 1 } },
  { text: "In Berlin call +49 30 123456789", finds: { PHONE: 1 } },
  { text: "Dial +44 (20) 7946 0958 now", finds: { PHONE: 1 }, keeps: ["Dial ", " now"] },
  { text: "UK mobile +44 7700 900123, France +33 1 23 45 67 89", finds: { PHONE: 2 } },
  { text: "Order number 1234567890 shipped", finds: {}, keeps: ["1234567890"] },
  { text: "Meeting on 2023-05-07 at 10:30, room 404", finds: {}, keeps: ["2023-05-07", "10:30", "404"] },
  { text: "The ticket is JIRA-4521 and PR #8812", finds: {}, keeps: ["JIRA-4521", "#8812"] },
  // SSN
  { text: "SSN 123-45-6789 on file", finds: { SSN: 1 } },
  {
    text: "Invalid SSN-like 000-12-3456 and 666-12-3456 stay",
    finds: {},
    keeps: ["000-12-3456", "666-12-3456"],
  },
  // cards (Luhn)
  { text: "Card 4111 1111 1111 1111 exp 12/29", finds: { CARD: 1 }, keeps: ["12/29"] },
  { text: "Paid with 4242-4242-4242-4242 and 5555555555554444", finds: { CARD: 2 } },
  { text: "Amex 378282246310005", finds: { CARD: 1 } },
  { text: "Order 1234567812345678 is not a card", finds: {}, keeps: ["1234567812345678"] },
  { text: "Tracking 9400111899223344556677", finds: {}, keeps: ["9400111899223344556677"] },
  // IBAN (mod-97)
  { text: "IBAN GB82 WEST 1234 5698 7654 32 for rent", finds: { IBAN: 1 }, keeps: ["for rent"] },
  { text: "Wire to DE89370400440532013000 please", finds: { IBAN: 1 } },
  { text: "Code GB00 WEST 1234 5698 7654 32 fails its checksum", finds: {}, keeps: ["GB00 WEST"] },
  // IP
  { text: "The server is at 203.0.113.42 behind the VPN", finds: { IP: 1 } },
  { text: "IPv6 2001:db8::8a2e:370:7334 and ::1 loopback", finds: { IP: 2 } },
  { text: "Upgrade to version 1.2.3.4 or v2.10.1.7", finds: {}, keeps: ["1.2.3.4", "v2.10.1.7"] },
  {
    text: "Semver 10.2.3 and 999.1.1.1 and time 12:30:45",
    finds: {},
    keeps: ["10.2.3", "999.1.1.1", "12:30:45"],
  },
  // secrets
  { text: "AWS key AKIAIOSFODNN7EXAMPLE leaked", finds: { SECRET: 1 }, keeps: ["leaked"] },
  { text: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", finds: { SECRET: 1 } },
  { text: "Authorization: Bearer abcdef0123456789ABCDEF.xyz", finds: { SECRET: 1 } },
  { text: "my openai key sk-proj-abcdefghijklmnopqrstuvwx1234", finds: { SECRET: 1 } },
  { text: "token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB", finds: { SECRET: 1 } },
  { text: "password: hunter22! and api_key=AbC123xyz987", finds: { SECRET: 2 } },
  {
    text: "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end",
    finds: { SECRET: 1 },
    keeps: ["end"],
  },
  {
    text: "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq0\nabc 4111 1111 1111 1111\n-----END RSA PRIVATE KEY----- done",
    finds: { SECRET: 1 },
    keeps: ["done"],
  },
  {
    text: "The password reset flow and API key rotation are documented",
    finds: {},
    keeps: ["password reset", "API key rotation"],
  },
  // mixed
  {
    text: "I'm Ana (ana@example.org, +1 415 555 0100), card 4111111111111111, IP 198.51.100.7",
    finds: { EMAIL: 1, PHONE: 1, CARD: 1, IP: 1 },
    keeps: ["I'm Ana (", "), card"],
  },
  // plain text survives entirely
  {
    text: "Prefers aisle seats; allergic to peanuts; birthday is March 3rd 1990.",
    finds: {},
    keeps: ["March 3rd 1990"],
  },
  {
    text: "Use uuid 0190a1b2-0000-7000-8000-000000000000 and sha a3f5e9d2c1b0",
    finds: {},
    keeps: ["0190a1b2-0000-7000-8000-000000000000", "a3f5e9d2c1b0"],
  },
  {
    text: "ISBN 978-3-16-148410-0 and price $1,234.56",
    finds: {},
    keeps: ["978-3-16-148410-0", "$1,234.56"],
  },
];
