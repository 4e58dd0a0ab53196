// The words PostgreSQL's text search leaves out of its index and its queries (Snowball's stop lists, as
// PostgreSQL 15 ships them in tsearch_data/french.stop and english.stop), so that SQLite leaves the same ones out
// of a search: `le` alone finds nothing on either database, `le Qaryatayn` is searched as `Qaryatayn` on both.
// PostgreSQL folds accents (unaccent) before it looks a word up in the list, so the list's accented entries
// (`à`, `été`) never match there: they are left out here too.
import type { Language } from '../config.ts'

const FRENCH =
  'au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma mais me mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y suis es est sommes sont serai seras sera serons serez seront serais serait serions seriez seraient fus fut furent sois soit soyons soyez soient fusse fusses fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient avais avait avions aviez avaient eut eurent aie aies ait ayons ayez aient eusse eusses eussions eussiez eussent'

const ENGLISH =
  'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its itself they them their theirs themselves what which who whom this that these those am is are was were be been being have has had having do does did doing a an the and but if or because as until while of at by for with about against between into through during before after above below to from up down in out on off over under again further then once here there when where why how all any both each few more most other some such no nor not only own same so than too very s t can will just don should now'

export const STOP_WORDS: Record<Language, ReadonlySet<string>> = {
  fr: new Set(FRENCH.split(' ')),
  en: new Set(ENGLISH.split(' ')),
}
