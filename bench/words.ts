// Word lists for the generator: common French words, so that pages have the length, accents and rhythm of a
// real French blog (and search has something to find).
export const NOUNS = (
  'ville gouvernement armée frontière élection journaliste réfugié guerre paix accord président ministre ' +
  'citoyen village région désert fleuve montagne marché école hôpital université presse rédaction reportage ' +
  'témoin rapport histoire mémoire avenir économie pétrole blé récolte sécheresse hiver printemps été automne ' +
  'matin soir nuit semaine mois année siècle route pont port gare aéroport quartier rue place mosquée église ' +
  'musée bibliothèque livre lettre carte photographie image film chanson poème langue frontière douane ' +
  'conflit trêve négociation sommet conférence délégation ambassade consulat réforme loi constitution ' +
  'parlement assemblée sénat tribunal juge avocat prison liberté droit justice vérité mensonge rumeur ' +
  'information source analyse chiffre statistique enquête sondage débat opinion critique lecteur lectrice'
).split(' ')

export const ADJECTIVES = (
  'nouveau ancien grand petit long court premier dernier prochain important difficile simple fragile ' +
  'symbolique historique politique économique militaire culturel religieux régional national international ' +
  'local officiel indépendant libre fermé ouvert calme tendu violent paisible lent rapide discret visible ' +
  'inattendu probable incertain lointain proche étrange ordinaire essentiel durable précaire'
).split(' ')

export const VERBS = (
  'annonce affirme rappelle souligne dénonce explique raconte observe décrit confirme conteste refuse ' +
  'accepte prépare organise traverse quitte rejoint protège menace contrôle reprend abandonne découvre ' +
  'publie révèle signale attend espère craint suit précise'
).split(' ')

export const CONNECTORS = (
  'mais pourtant cependant ensuite enfin alors depuis toutefois néanmoins désormais aussi également ' +
  'selon plusieurs témoins, d’après la presse locale, pour la première fois, au même moment, dans la soirée,'
).split(' ')

export const FIRST_NAMES = (
  'Jean Marie Pierre Sophie Luc Claire Paul Anne Michel Isabelle Nicolas Camille Julien Léa Thomas Chloé ' +
  'Antoine Manon Hugo Sarah Karim Yasmine Mehdi Inès Olivier Hélène François Élise Gabriel Zoé'
).split(' ')

export const LAST_NAMES = (
  'Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel ' +
  'Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier Dupont Lambert Bonnet François'
).split(' ')

export const CATEGORIES = [
  'Proche-Orient',
  'Afrique',
  'Europe',
  'Amériques',
  'Asie',
  'Économie',
  'Culture',
  'Médias',
  'Environnement',
  'Sciences',
  'Société',
  'Carnet de route',
]

export const TAGS = [
  'Syrie',
  'Irak',
  'Liban',
  'Mali',
  'Niger',
  'Ukraine',
  'Brésil',
  'Chine',
  'Inde',
  'Climat',
  'Élections',
  'Presse',
  'Réfugiés',
  'Pétrole',
  'Agriculture',
  'Frontières',
  'Diplomatie',
  'Santé',
  'Éducation',
  'Villes',
]
