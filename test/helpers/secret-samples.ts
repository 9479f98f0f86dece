// Generated secrets of every format the secret rules cover, embedded in random
// text with random glue on either side: shared by the secrets property test
// (against secretlint) and the RE2/JavaScript parity test.
import fc from "fast-check";

const chars = (set: string) => fc.constantFrom(...set);
const str = (set: string, min: number, max: number) => fc.string({ unit: chars(set), minLength: min, maxLength: max });
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM = `${UPPER}abcdefghijklmnopqrstuvwxyz0123456789`;
const B64URL = `${ALNUM}_-`;
const B64 = `${ALNUM}+/`;

/** One generated secret: the text as written (`written`) and what must never survive (`secrets`). */
export interface Sample {
  format: string;
  written: string;
  secrets: string[];
}
const token = (format: string, written: fc.Arbitrary<string>): fc.Arbitrary<Sample> => written.map((w) => ({ format, written: w, secrets: [w] }));

export const FORMATS: fc.Arbitrary<Sample>[] = [
  token("openai-legacy", fc.tuple(str(ALNUM, 20, 20), str(ALNUM, 20, 20)).map(([a, b]) => `sk-${a}T3BlbkFJ${b}`)),
  token("openai-project", fc.tuple(fc.constantFrom("proj", "svcacct", "admin"), fc.constantFrom(58, 74)).chain(([kind, n]) =>
    fc.tuple(str(B64URL, n, n), str(B64URL, n, n)).map(([a, b]) => `sk-${kind}-${a}T3BlbkFJ${b}`))),
  token("anthropic", fc.tuple(fc.constantFrom("api03", "api04", "admin01"), str(B64URL, 93, 93)).map(([k, s]) => `sk-ant-${k}-${s}AA`)),
  token("github-classic", fc.tuple(fc.constantFrom("ghp", "gho", "ghu", "ghs", "ghr"), str(`${ALNUM}_`, 36, 36)).map(([p, s]) => `${p}_${s}`)),
  token("github-fine-grained", str(`${ALNUM}_`, 82, 82).map((s) => `github_pat_${s}`)),
  token("github-app", fc.tuple(fc.integer({ min: 1, max: 99999999 }), str(B64URL, 10, 60), str(B64URL, 10, 200), str(B64URL, 10, 60))
    .map(([id, a, b, c]) => `ghs_${id}_${a}.${b}.${c}`)),
  token("gitlab", fc.tuple(fc.constantFrom("glpat", "gloas", "gldt", "glrt", "glcbt", "glptt", "glft", "glimt", "glagent", "glsoat", "glffct"), str(B64URL, 20, 60))
    .map(([p, s]) => `${p}-${s}`)),
  token("slack", fc.tuple(fc.constantFrom("xoxb", "xoxp", "xoxa", "xoxo", "xoxr", "xoxs", "xoxe", "xapp"), fc.array(str(ALNUM, 1, 24), { minLength: 2, maxLength: 4 }))
    .map(([p, parts]) => `${p}-${parts.join("-")}`)),
  fc.tuple(str(ALNUM, 1, 12), str(ALNUM, 1, 12), str(ALNUM, 8, 30))
    .map(([t, b, x]) => ({ format: "slack-webhook", written: `https://hooks.slack.com/services/T${t}/B${b}/${x}`, secrets: [`/B${b}/${x}`] })),
  token("stripe", fc.tuple(fc.constantFrom("sk_live", "sk_test", "rk_live", "rk_test"), str(ALNUM, 24, 60)).map(([p, s]) => `${p}_${s}`)),
  token("aws-access-key-id", fc.tuple(fc.constantFrom("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA"), str(`${UPPER}0123456789`, 16, 16)).map(([p, s]) => `${p}${s}`)),
  fc.tuple(
    // A key = value form is found by its key name, so the name must not run on from a preceding token (see the threat model).
    fc.constantFrom(" ", "\n", "\"", "'", ",", ";", "(", "{"),
    fc.constantFrom("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "secret_access_key", "SecretAccessKey", "\"aws_secret_access_key"),
    fc.constantFrom("=", " = ", ": ", "=>", "\": \"", "='", ":\t"),
    str(`${B64}=`, 40, 40),
  ).map(([separator, name, connect, value]) => ({ format: "aws-secret-access-key", written: `${separator}${name}${connect}${value}`, secrets: [value] })),
  token("google-api-key", str(B64URL, 35, 35).map((s) => `AIza${s}`)),
  token("jwt", fc.tuple(fc.dictionary(str(ALNUM, 1, 6), str(ALNUM, 0, 12), { minKeys: 1, maxKeys: 4 }), fc.dictionary(str(ALNUM, 1, 6), fc.oneof(str(ALNUM, 0, 16), fc.integer()), { minKeys: 1, maxKeys: 6 }), str(B64URL, 16, 86))
    .map(([h, p, sig]) => `${Buffer.from(JSON.stringify(h)).toString("base64url")}.${Buffer.from(JSON.stringify(p)).toString("base64url")}.${sig}`)
    .filter((jwt) => jwt.startsWith("eyJ"))),
  // The other formats of secretlint's recommend preset.
  token("npm", str(`${ALNUM}_`, 36, 36).map((s) => `npm_${s}`)),
  fc.tuple(fc.constantFrom("\n", " ", ""), str(`${ALNUM}-_`, 12, 40))
    .map(([lead, value]) => ({ format: "npmrc-auth-token", written: `${lead}//registry.npmjs.org/:_authToken=${value}\n`, secrets: [value] })),
  token("sendgrid", fc.tuple(str(`${ALNUM}_`, 16, 22), str(`${ALNUM}_`, 30, 43)).map(([a, b]) => `SG.${a}.${b}`)),
  token("shopify", fc.tuple(fc.constantFrom("shppa", "shpca", "shpat", "shpss"), str(ALNUM, 32, 64)).map(([p, s]) => `${p}_${s}`)),
  token("vault", fc.tuple(fc.constantFrom("hvs", "hvr"), str(B64URL, 90, 120)).map(([p, s]) => `${p}.${s}`)),
  token("groq", str(ALNUM, 52, 52).map((s) => `gsk_${s}`)),
  token("huggingface", str(`${UPPER}abcdefghijklmnopqrstuvwxyz`, 34, 34).map((s) => `hf_${s}`)),
  token("linear", str(`${ALNUM}_`, 32, 64).map((s) => `lin_api_${s}`)),
  token("notion", fc.tuple(str("0123456789", 11, 11), str(ALNUM, 35, 35)).map(([a, b]) => `ntn_${a}${b}`)),
  token("1password", str(B64, 100, 300).map((s) => `ops_ey${s}fQ==`)),
  token("vercel", fc.tuple(fc.constantFrom("vcp", "vci", "vca", "vcr", "vck"), str(ALNUM, 20, 60)).map(([p, s]) => `${p}_${s}`)),
  token("databricks", str("0123456789abcdef", 32, 32).map((s) => `dapi${s}`)),
  token("docker", str(B64URL, 27, 27).map((s) => `dckr_pat_${s}`)),
  token("figma", str(B64URL, 40, 80).map((s) => `figd_${s}`)),
  token("cloudflare", fc.tuple(fc.constantFrom("cfk", "cfut", "cfat"), str(ALNUM, 40, 40), str("0123456789abcdef", 8, 8)).map(([p, a, b]) => `${p}_${a}${b}`)),
  token("tailscale", fc.tuple(fc.constantFrom("auth", "api", "client"), str(`${ALNUM}_`, 8, 40), str(`${ALNUM}_`, 16, 60)).map(([t, a, b]) => `tskey-${t}-${a}-${b}`)),
  token("grafana", fc.oneof(str(B64, 32, 120).map((s) => `glc_${s}`), fc.tuple(str(ALNUM, 32, 32), str("0123456789abcdef", 8, 8)).map(([a, b]) => `glsa_${a}_${b}`))),
  fc.tuple(fc.constantFrom("RSA ", "EC ", "OPENSSH ", "DSA ", "ENCRYPTED ", ""), fc.array(str(B64, 64, 64), { minLength: 2, maxLength: 6 }), fc.constantFrom("\n", "\r\n"))
    .map(([kind, lines, nl]) => {
      const body = `MI${lines.join(nl)}`;
      return { format: "private-key", written: `-----BEGIN ${kind}PRIVATE KEY-----${nl}${body}${nl}-----END ${kind}PRIVATE KEY-----`, secrets: [body] };
    }),
  fc.tuple(
    fc.constantFrom("postgres", "postgresql", "mysql", "mongodb", "mongodb+srv", "https", "http", "ftp", "redis", "amqp"),
    str(`${ALNUM}_-`, 3, 12), str(`${ALNUM}_-`, 12, 24), str("abcdefghijklmnopqrstuvwxyz", 2, 10), fc.constantFrom(".com", ".net", ".internal", ":5432", ""),
  ).map(([scheme, user, password, host, tld]) => ({
    format: "url-userinfo", written: `${scheme}://${user}:${password}@${host}${tld}/db`, secrets: [`${user}:${password}`, password],
  })),
];

// Glue stuck to a token on either side, and the text around it.
const GLUE = `${ALNUM}_.,;:!?-/+=()[]{}<>@#$%^&*~|\`"' \n\t\r`;
const TEXT = `${GLUE}\u00e9\u00a0\u2028\u4e2d`;

export const embedded = fc.tuple(
  str(TEXT, 0, 30),
  fc.array(fc.tuple(str(GLUE, 0, 3), fc.oneof(...FORMATS), str(GLUE, 0, 3), str(TEXT, 0, 20)), { minLength: 1, maxLength: 3 }),
).map(([lead, parts]) => ({
  text: lead + parts.map(([before, sample, after, gap]) => `${before}${sample.written}${after}${gap}`).join(""),
  samples: parts.map(([, sample]) => sample),
}));

