// The demo content of a new English blog: the model post in English (same structure as the French seed: a
// heading, paragraphs, two sub-headings, a closed thread of two comments) and the same twelve posts as
// posts.ts, at the same dates, so that an English blog's pages, archives and categories look like a French one's.
import type { DemoPost, DemoSeed } from './posts.ts'

export const seedPostEn: DemoSeed = {
  title: 'Syria: ISIS seizes Al-Qaryatayn, a symbolic town in central Syria',
  tags: ['Syria', 'Qaryatayn'],
  categories: ['Abu Bakr al-Baghdadi', 'Al-Qaryatayn', 'Syrian Arab Army', 'Islamic State', 'Syria'],
  signature: 'Jean René Belliard',
  publishedAt: '2017-10-01T17:08:00.000Z',
  commentsOpen: false,
  body: `## ISIS seizes Al-Qaryatayn, a symbolic town in central Syria

The Islamic State (ISIS) took control on Sunday, October 1st, of a symbolic town in the centre of the country,
after a surprise offensive against the regime's forces.

The town of al-Qaryatayn lies south-east of Homs, in the Syrian desert. It was long a symbol of coexistence
between Muslims and Christians in Syria. In April 2016 the regime's forces, with Russian support, had taken the
town back from the jihadists, who had held it since August 2015 and had destroyed and looted its churches.

Before the conflict in Syria began, the town had 30,000 inhabitants, 900 of them Christians.

The assault on Al-Qaryatayn came 72 hours after surprise attacks by ISIS on the regime's forces and their allies
along the Palmyra–Deir ez-Zor highway, which are said to have killed at least 128 people, according to the latest
count by the Syrian Observatory for Human Rights.

### Attacks that coincide with Abu Bakr al-Baghdadi's latest audio message

The latest attacks by ISIS fighters on the regime's forces seem to have coincided with the release by ISIS of an
audio recording attributed to its leader, Abu Bakr al-Baghdadi, in which he called on his fighters to "resist"
and to step up their attacks on their enemies. By multiplying its attacks, ISIS no doubt wants to show that it
can still launch lightning offensives and inflict losses on its adversaries.

### The Syrian Arab Army counter-attacks to take the town back

The Syrian Arab Army (SAA) and its allies surrounded the town, then launched a counter-attack after a mortar
bombardment. Pro-government forces managed to enter the western edge of the town.

Syrian warplanes also flew dozens of reconnaissance sorties.

Residents who had managed to flee the town said that the jihadists had arrested 6 civilians, whom they accused of
being agents of the SAA. The 6 civilians were probably executed later.

SAA soldiers who withdrew from the town when the jihadists attacked said that many of its civilians had welcomed
the ISIS fighters with open arms, and had even fought alongside them against the army.

They added that they had given up the ground to avoid casualties among the civilian population.

The army should retake the town in the near future: only a few dozen poorly armed jihadists are said to be inside.`,
  comments: [
    {
      author: 'Daniel',
      createdAt: '2017-10-03T07:41:00.000Z',
      body: `A slightly different take:
"The Syrian Arab Army (SAA) and its allies are working to restore security in al-Qaryatayn town that has been at least partly captured by ISIS sleeper cells. Government forces have encircled the town and all sort of communications inside it are jammed. This explains a lack of photos and videos from the area. ISIS supporters inside al-Qarytayn have almost no heavy weapons and equipment. So, the key SAA problem is to conduct an operation avoiding major civilian casualties."

https://www.veteranstoday.com/2017/10/02/syrian-war-report-october-2-2017-syrian-army-repels-major-isis-advance-launches-counter-attack/

Why dwell on an operation of little strategic interest when the real fighting is elsewhere? And why, once again, headline the "victories" of ISIS? Reading what you publish on this blog, one might think that ISIS is doing better than holding its own, when it is dying despite the help of the USA.

What about telling us of the successes of the Syrian Arab Army, and of the villages it has freed?
https://muraselon.com/en/2017/10/syria-map-update-exclusive-syrian-army-gains-new-ground-central-syria/`,
    },
    {
      author: 'Belliard',
      createdAt: '2017-10-03T16:22:00.000Z',
      body: `You would probably need to subscribe to the full newsletter to get all the news that does point the way you say. But the newsletter stresses another point: the fighting at al-Qaryatayn, al-Sukhnah and along the Palmyra–Deir ez-Zor highway matters strategically because it slows the regime's offensive towards al-Mayadin and the Iraqi border, which gives the US-backed SDF a head start in taking an oil-rich region on the eastern bank of the Euphrates and the Iraqi–Syrian border area.`,
    },
  ],
}

export const demoPostsEn: DemoPost[] = [
  {
    title: 'Welcome to this notebook',
    publishedAt: '2017-09-02T08:30:00.000Z',
    categories: ['Blog news'],
    tags: ['Carnet'],
    body: `This notebook gathers reading and monitoring notes on the Middle East: press summaries, maps with commentary
and, from time to time, answers to readers' questions.

## How to read this blog

Each post is filed in one or more categories, listed in the right-hand column. The monthly archives let you find
a post from its date.

Comments are open: they appear at once, and everyone is expected to be civil.`,
    comments: [
      {
        author: 'Claire',
        createdAt: '2017-09-02T12:05:00.000Z',
        body: 'Good luck with this new notebook!\n\nLooking forward to the next posts.',
      },
      { author: 'Jean René Belliard', createdAt: '2017-09-02T14:40:00.000Z', body: 'Thank you, Claire!', replyTo: 0 },
    ],
  },
  {
    title: 'Syria: understanding the battle for the Euphrates valley',
    publishedAt: '2017-09-09T16:15:00.000Z',
    categories: ['Syria', 'Islamic State'],
    tags: ['Euphrates', 'Deir ez-Zor'],
    body: `The Euphrates valley is now where most of the fighting against the Islamic State takes place.

## Two offensives side by side

West of the river, the Syrian army and its allies are advancing; to the east, the Syrian Democratic Forces.
Both offensives are heading for the same towns, with no declared coordination.

## What to watch

- the road between Palmyra and Deir ez-Zor;
- the river crossings;
- the oil fields on the eastern bank.`,
  },
  {
    title: 'Iraq: the Kurdish referendum, questions and answers',
    publishedAt: '2017-09-16T09:00:00.000Z',
    categories: ['Iraq', 'Kurdistan'],
    tags: ['Referendum'],
    body: `On 25 September, voters in Iraqi Kurdistan are called to decide on the region's independence.

## Why now?

Kurdish leaders point to the part their forces played in the fight against the Islamic State.

## How have others reacted?

Baghdad, Ankara and Tehran reject the very idea of the vote.`,
  },
  {
    title: 'Map: the front lines in September',
    publishedAt: '2017-09-23T18:45:00.000Z',
    categories: ['Syria', 'Maps'],
    tags: ['Map'],
    body: `A map of where each side stands, with commentary, to be read with care: sources often contradict each other
and the lines move fast.

The areas held by the Islamic State have shrunk to the middle Euphrates valley and a few pockets in the central
desert.`,
  },
  {
    title: 'Reading notes: a history of modern Syria',
    publishedAt: '2017-09-30T07:20:00.000Z',
    categories: ['Reading'],
    tags: ['Book'],
    body: `A dense but readable book, which sets the current conflict in the long run of the twentieth century.

## What you learn from it

The building of the state, the role of the army and the balance between religious communities are described
with precision.

## Who is it for?

Anyone who wants to look beyond the day's news.`,
  },
  {
    title: 'Iraq: after Mosul, the battle for Hawija',
    publishedAt: '2017-10-05T11:30:00.000Z',
    categories: ['Iraq', 'Islamic State'],
    tags: ['Hawija'],
    body: `Iraqi forces have announced that they have taken back Hawija, one of the last towns held by the Islamic State in
the north of the country.

The question of the displaced, and of their return, is now pressing.`,
  },
  {
    title: 'Syria: Al-Qaryatayn, the end of the story',
    publishedAt: '2017-10-21T15:00:00.000Z',
    categories: ['Syria', 'Al-Qaryatayn'],
    tags: ['Qaryatayn'],
    body: `Three weeks after the surprise attack, the Syrian army has taken back control of Al-Qaryatayn.

The residents who return find a town wounded once more. We will come back to the toll of these weeks of
fighting as soon as reliable sources are available.`,
  },
  {
    title: "Lebanon: the Prime Minister's surprise resignation",
    publishedAt: '2017-11-04T19:10:00.000Z',
    categories: ['Lebanon'],
    tags: ['Beirut'],
    body: `Announced from abroad, the resignation of the head of Lebanon's government has caught the political class
off guard.

## A country on hold

The institutions keep working, but uncertainty weighs on the economy.`,
  },
  {
    title: 'Syria: Deir ez-Zor fully retaken',
    publishedAt: '2017-11-03T10:00:00.000Z',
    categories: ['Syria', 'Syrian Arab Army'],
    tags: ['Deir ez-Zor'],
    body: `The Syrian army says it has taken back the whole of Deir ez-Zor, a city besieged for three years.

What remains is the valley downstream, as far as the Iraqi border.`,
  },
  {
    title: "Readers' questions: how do you check a piece of news?",
    publishedAt: '2017-11-12T09:30:00.000Z',
    categories: ['Blog news'],
    tags: ['Method'],
    body: `Several readers have asked us how we choose our sources.

## Cross-check, always

No news is published on the word of a single source. Official statements are marked as such.

## Date everything

Every post carries its date: what is true one day may be out of date the next.`,
    comments: [
      {
        author: 'Marc',
        url: 'https://example.org/',
        createdAt: '2017-11-12T21:15:00.000Z',
        body: 'Thank you for this note on method.\nOne question: do you also use satellite images?',
      },
    ],
  },
  {
    title: "Iraq: Al-Qaim, the Islamic State's last town on the border",
    publishedAt: '2017-11-18T13:00:00.000Z',
    categories: ['Iraq', 'Islamic State'],
    tags: ['Al-Qaim'],
    body: `With the fall of Al-Qaim to Iraqi forces, the organisation loses its last major crossing point between Iraq
and Syria.`,
  },
  {
    title: 'Maps: a year of retreat for the Islamic State',
    publishedAt: '2017-11-26T17:30:00.000Z',
    categories: ['Maps', 'Islamic State'],
    tags: ['Map', 'Review'],
    body: `In one year, the territory held by the Islamic State in Syria and Iraq has shrunk to a few pockets.

A series of maps, month by month, follows that retreat.`,
  },
]
