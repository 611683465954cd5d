/** Word lists the title generator draws from (invented titles, not real films). */
export const ADJECTIVES: readonly string[] = (
  'silent dark lost last broken golden hidden crimson final secret wild burning frozen eternal forgotten ' +
  'little big brave bitter endless fallen savage quiet electric hollow iron lonely midnight northern ' +
  'pale perfect restless royal scarlet shattered silver sleeping southern stolen strange sweet twisted ' +
  'velvet wicked young ancient blue cold deadly distant empty fearless fragile gentle grand green ' +
  'happy haunted heavy holy invisible lucky mad magic mighty modern naked new odd open painted ' +
  'precious proud rainy red reckless rising rough sacred second shining sinister small solid starry ' +
  'steel stormy sudden summer tender tiny true unbroken urban violent wandering white winter wooden ' +
  'yellow black bright crooked dusty early fierce foreign free gilded grey infinite last lunar ' +
  'merciless mystic neon obsidian ordinary phantom quantum radiant rusty salty shadowed spotless ' +
  'sunken thin undying vanishing warm weightless weird'
).split(' ');

export const NOUNS: readonly string[] = (
  'river city night heart road dream storm shadow kingdom garden empire mirror secret island ' +
  'window highway ocean mountain forest desert winter summer promise letter journey station ' +
  'hunter witness stranger soldier doctor detective queen king prince princess thief ghost angel ' +
  'devil machine engine signal echo memory silence whisper voice song dance game war peace ' +
  'harbor bridge tower castle house room door key star moon sun planet comet galaxy horizon ' +
  'frontier border line circle code cipher protocol mission agent spy rebel outlaw sheriff ' +
  'cowboy pilot captain sailor pirate knight dragon wolf tiger falcon raven fox bear lion ' +
  'serpent spider butterfly rose lily orchid storm flood fire ice stone glass diamond gold ' +
  'silver crown sword shield arrow bullet gun badge verdict trial jury lawyer judge sinner saint ' +
  'prophet oracle wizard witch vampire zombie monster creature alien robot android clone ' +
  'colony outpost harvest orchard vineyard bakery diner motel hotel casino circus carnival ' +
  'theater opera symphony ballad chorus melody rhythm tango waltz heist escape chase hunt ' +
  'return revenge reckoning redemption awakening uprising invasion exodus genesis legacy ' +
  'inheritance wedding funeral reunion holiday vacation weekend morning evening afternoon ' +
  'season century decade moment hour minute second'
).split(' ');

export const NAMES: readonly string[] = (
  'anna max lena jack clara leo maya noah ella sam rosa victor nina oscar ada felix iris hugo ' +
  'mila theo luna ivan sofia paul grace henry alice omar yuki ravi kofi ines diego hana ' +
  'marcus elena tomas freya bruno zara abel carmen dmitri esme farid greta'
).split(' ');

export const PLACES: readonly string[] = (
  'paris tokyo berlin rome cairo lagos lima oslo vienna havana mumbai seoul boston chicago ' +
  'texas alaska brooklyn harlem memphis nevada montana sahara siberia tangier venice lisbon ' +
  'marseille naples dublin glasgow yukon patagonia manhattan hollywood'
).split(' ');

export const OVERVIEW_SUBJECTS: readonly string[] = [
  'a retired detective',
  'two estranged sisters',
  'a young doctor',
  'a small-town sheriff',
  'an ambitious journalist',
  'a family of farmers',
  'a disgraced pilot',
  'a gifted teenager',
  'a washed-up musician',
  'an unlikely group of friends',
  'a lonely robot',
  'a rookie agent',
  'a widowed father',
  'a crew of thieves',
  'a stubborn scientist',
];

export const OVERVIEW_ACTIONS: readonly string[] = [
  'must confront a secret from the past',
  'sets out on a dangerous journey',
  'uncovers a conspiracy that reaches the top',
  'fights to save the only home they have known',
  'falls for a stranger with a hidden agenda',
  'is pulled into one last job',
  'races against time to stop a disaster',
  'tries to rebuild a life after a tragedy',
  'discovers a world beyond imagination',
  'has one night to make things right',
];

export const OVERVIEW_SETTINGS: readonly string[] = [
  'in a city that never sleeps',
  'on the edge of a dying empire',
  'during the coldest winter in memory',
  'in a remote village',
  'aboard a ship bound for nowhere',
  'in the near future',
  'in the aftermath of a war',
  'across three generations',
  'at the end of the world',
  'in a house full of secrets',
];

/** ISO 639-1 code, English name, share of catalog (TMDB-like: English dominates). */
export const LANGUAGES: readonly (readonly [string, string, number])[] = [
  ['en', 'English', 62],
  ['fr', 'Français', 6],
  ['es', 'Español', 4],
  ['ja', '日本語', 4],
  ['de', 'Deutsch', 3],
  ['it', 'Italiano', 3],
  ['ko', '한국어/조선말', 2],
  ['hi', 'हिन्दी', 2],
  ['zh', '普通话', 2],
  ['ru', 'Pусский', 2],
  ['sv', 'svenska', 1],
  ['pt', 'Português', 1.5],
  ['da', 'Dansk', 0.8],
  ['tr', 'Türkçe', 0.8],
  ['fa', 'فارسی', 0.5],
  ['pl', 'Polski', 0.8],
];
