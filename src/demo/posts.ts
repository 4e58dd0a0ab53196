// A few more posts around the seed post, so that paging, categories and month archives show something on a
// new blog. Threads stay open so that a visitor can try the comment form. The English ones are in posts.en.ts.
export interface DemoPost {
  title: string
  publishedAt: string
  categories: string[]
  tags: string[]
  body: string
  comments?: Array<{ author: string; url?: string; createdAt: string; body: string; replyTo?: number }>
}

/** The model post, whose signature the other demo posts carry too. Its thread is closed. */
export interface DemoSeed {
  title: string
  tags: string[]
  categories: string[]
  signature: string
  publishedAt: string
  commentsOpen: boolean
  body: string
  comments: Array<{ author: string; createdAt: string; body: string }>
}

export const demoPosts: DemoPost[] = [
  {
    title: 'Bienvenue sur ce carnet',
    publishedAt: '2017-09-02T08:30:00.000Z',
    categories: ['Vie du blog'],
    tags: ['Carnet'],
    body: `Ce carnet rassemble des notes de lecture et de veille sur le Proche-Orient : des synthèses de la presse,
des cartes commentées et, de temps à autre, des réponses aux questions des lecteurs.

## Comment lire ce blog

Chaque note est rangée dans une ou plusieurs catégories, visibles dans la colonne de droite. Les archives
mensuelles permettent de retrouver une note à partir de sa date.

Les commentaires sont ouverts : ils sont publiés aussitôt, dans le respect de chacun.`,
    comments: [
      {
        author: 'Claire',
        createdAt: '2017-09-02T12:05:00.000Z',
        body: 'Bonne route à ce nouveau carnet !\n\nHâte de lire les prochaines notes.',
      },
      { author: 'Jean René Belliard', createdAt: '2017-09-02T14:40:00.000Z', body: 'Merci Claire !', replyTo: 0 },
    ],
  },
  {
    title: 'Syrie : comprendre la bataille de la vallée de l’Euphrate',
    publishedAt: '2017-09-09T16:15:00.000Z',
    categories: ['Syrie', 'Etat Islamique'],
    tags: ['Euphrate', 'Deir ez-Zor'],
    body: `La vallée de l'Euphrate concentre désormais l'essentiel des combats contre l'organisation État islamique.

## Deux offensives parallèles

À l'ouest du fleuve progresse l'armée syrienne et ses alliés ; à l'est, les Forces démocratiques syriennes.
Les deux offensives visent les mêmes villes, sans coordination affichée.

## Ce qu'il faut suivre

- la route entre Palmyre et Deïr ez-Zor ;
- les passages sur le fleuve ;
- les champs pétroliers de la rive orientale.`,
  },
  {
    title: 'Irak : le référendum kurde en questions',
    publishedAt: '2017-09-16T09:00:00.000Z',
    categories: ['Irak', 'Kurdistan'],
    tags: ['Référendum'],
    body: `Le 25 septembre, les électeurs du Kurdistan irakien sont appelés à se prononcer sur l'indépendance de la région.

## Pourquoi maintenant ?

Les dirigeants kurdes mettent en avant le rôle de leurs forces dans la lutte contre l'État islamique.

## Quelles réactions ?

Bagdad, Ankara et Téhéran rejettent le principe même de la consultation.`,
  },
  {
    title: 'Carte : les lignes de front au mois de septembre',
    publishedAt: '2017-09-23T18:45:00.000Z',
    categories: ['Syrie', 'Cartes'],
    tags: ['Carte'],
    body: `Une carte commentée des positions des différents acteurs, à lire avec prudence : les sources se contredisent
souvent et les lignes bougent vite.

Les zones tenues par l'État islamique se réduisent désormais à la moyenne vallée de l'Euphrate et à quelques
poches dans le désert central.`,
  },
  {
    title: 'Note de lecture : une histoire de la Syrie contemporaine',
    publishedAt: '2017-09-30T07:20:00.000Z',
    categories: ['Lectures'],
    tags: ['Livre'],
    body: `Un ouvrage dense mais accessible, qui replace le conflit actuel dans la longue durée du XXe siècle.

## Ce qu'on y apprend

La construction de l'État, le rôle de l'armée et les équilibres confessionnels y sont décrits avec précision.

## Pour qui ?

Pour tous ceux qui veulent dépasser l'actualité immédiate.`,
  },
  {
    title: 'Irak : après Mossoul, la bataille de Hawija',
    publishedAt: '2017-10-05T11:30:00.000Z',
    categories: ['Irak', 'Etat Islamique'],
    tags: ['Hawija'],
    body: `Les forces irakiennes ont annoncé la reprise de Hawija, l'une des dernières villes tenues par l'État islamique
dans le nord du pays.

La question des déplacés et de leur retour se pose désormais avec acuité.`,
  },
  {
    title: 'Syrie : Al-Qaryatayn, suite et fin',
    publishedAt: '2017-10-21T15:00:00.000Z',
    categories: ['Syrie', 'Al-Qaryatayn'],
    tags: ['Qaryatayn'],
    body: `Trois semaines après l'attaque surprise, l'armée syrienne a repris le contrôle d'Al-Qaryatayn.

Les habitants qui reviennent découvrent une ville de nouveau meurtrie. Nous reviendrons sur le bilan de ces
semaines de combats dès que des sources fiables seront disponibles.`,
  },
  {
    title: 'Liban : la démission surprise du Premier ministre',
    publishedAt: '2017-11-04T19:10:00.000Z',
    categories: ['Liban'],
    tags: ['Beyrouth'],
    body: `Annoncée depuis l'étranger, la démission du chef du gouvernement libanais a pris de court la classe politique.

## Un pays suspendu

Les institutions continuent de fonctionner, mais l'incertitude pèse sur l'économie.`,
  },
  {
    title: 'Syrie : Deïr ez-Zor entièrement reprise',
    publishedAt: '2017-11-03T10:00:00.000Z',
    categories: ['Syrie', 'Armée Arabe Syrienne'],
    tags: ['Deir ez-Zor'],
    body: `L'armée syrienne annonce avoir repris l'ensemble de la ville de Deïr ez-Zor, assiégée pendant trois ans.

Reste la vallée en aval, jusqu'à la frontière irakienne.`,
  },
  {
    title: 'Questions de lecteurs : comment vérifier une information ?',
    publishedAt: '2017-11-12T09:30:00.000Z',
    categories: ['Vie du blog'],
    tags: ['Méthode'],
    body: `Plusieurs lecteurs nous demandent comment nous choisissons nos sources.

## Croiser, toujours

Aucune information n'est publiée sur la foi d'une seule source. Les communiqués officiels sont signalés comme tels.

## Dater

Chaque note porte sa date : une information exacte un jour peut être dépassée le lendemain.`,
    comments: [
      {
        author: 'Marc',
        url: 'https://example.org/',
        createdAt: '2017-11-12T21:15:00.000Z',
        body: 'Merci pour cette note de méthode.\nUne question : utilisez-vous aussi les images satellites ?',
      },
    ],
  },
  {
    title: 'Irak : Al-Qaïm, dernière ville de l’État islamique à la frontière',
    publishedAt: '2017-11-18T13:00:00.000Z',
    categories: ['Irak', 'Etat Islamique'],
    tags: ['Al-Qaïm'],
    body: `La reprise d'Al-Qaïm par les forces irakiennes prive l'organisation de son dernier point de passage important
entre l'Irak et la Syrie.`,
  },
  {
    title: 'Cartes : un an de recul de l’État islamique',
    publishedAt: '2017-11-26T17:30:00.000Z',
    categories: ['Cartes', 'Etat Islamique'],
    tags: ['Carte', 'Bilan'],
    body: `En un an, le territoire contrôlé par l'État islamique en Syrie et en Irak s'est réduit à quelques poches.

Une série de cartes, mois par mois, permet de suivre ce recul.`,
  },
]
