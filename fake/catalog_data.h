/*
 * Word lists and tables the synthetic catalog draws from (catalog.c only). Non-ASCII names
 * are deliberate: clients must carry UTF-8 through untouched.
 */
#ifndef FAKE_CATALOG_DATA_H
#define FAKE_CATALOG_DATA_H

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const ADJ[] = {"Silent", "Last",     "Broken",  "Hidden",   "Crimson", "Endless",
                                  "Golden", "Midnight", "Frozen",  "Burning",  "Distant", "Wild",
                                  "Lost",   "Savage",   "Quiet",   "Electric", "Paper",   "Iron",
                                  "Velvet", "Hollow",   "Scarlet", "Northern", "Secret",  "Bright"};
static const char *const NOUN[] = {
    "Harbor",  "Empire", "Garden", "River",   "Machine", "Letter",  "Horizon",  "Kingdom",
    "Promise", "Signal", "Mirror", "Storm",   "Orchard", "Station", "Frontier", "Lantern",
    "Voyage",  "Echo",   "Canyon", "Witness", "Island",  "Summer",  "Heist",    "Parade"};

struct lang {
    const char *code, *english, *native, *omdb;
    const char *const *titles; /* original titles in that language, NULL for English */
    int ntitles;
};
static const char *const FR_T[] = {"Le Café des Étoiles", "La Mémoire de l'Été",
                                   "Les Enfants du Rivage", "L'Île aux Rêves", "Où va la Nuit"};
static const char *const JA_T[] = {"告白", "夜明けの街", "風の谷の約束", "東京の雨", "千の夢"};
static const char *const DE_T[] = {"Die Brücke am Fluss", "Schöne Grüße aus Köln",
                                   "Der Mörder im Nebel", "Fräulein Wunder"};
static const char *const ES_T[] = {"El Niño del Mar", "La Canción de Otoño", "Años de Sueño",
                                   "Corazón de León"};
static const char *const KO_T[] = {"기생충의 밤", "서울의 봄날", "마지막 여름"};
static const struct lang LANGS[] = {
    {"en", "English", "English", "English", NULL, 0},
    {"fr", "French", "Français", "French", FR_T, N_OF(FR_T)},
    {"ja", "Japanese", "日本語", "Japanese", JA_T, N_OF(JA_T)},
    {"de", "German", "Deutsch", "German", DE_T, N_OF(DE_T)},
    {"es", "Spanish", "Español", "Spanish", ES_T, N_OF(ES_T)},
    {"ko", "Korean", "한국어/조선말", "Korean", KO_T, N_OF(KO_T)},
    {"xx", "No Language", "No Language", "None", NULL, 0},
};

struct country {
    const char *iso, *tmdb, *omdb;
};
static const struct country COUNTRIES[] = {
    {"US", "United States of America", "United States"},
    {"GB", "United Kingdom", "United Kingdom"},
    {"FR", "France", "France"},
    {"JP", "Japan", "Japan"},
    {"DE", "Germany", "Germany"},
    {"ES", "Spain", "Spain"},
    {"KR", "South Korea", "South Korea"},
};

struct genre {
    int id;
    const char *tmdb, *omdb;
};
static const struct genre GENRES[] = {
    {28, "Action", "Action"},
    {12, "Adventure", "Adventure"},
    {16, "Animation", "Animation"},
    {35, "Comedy", "Comedy"},
    {80, "Crime", "Crime"},
    {99, "Documentary", "Documentary"},
    {18, "Drama", "Drama"},
    {10751, "Family", "Family"},
    {14, "Fantasy", "Fantasy"},
    {36, "History", "History"},
    {27, "Horror", "Horror"},
    {10402, "Music", "Music"},
    {9648, "Mystery", "Mystery"},
    {10749, "Romance", "Romance"},
    {878, "Science Fiction", "Sci-Fi"},
    {53, "Thriller", "Thriller"},
    {10752, "War", "War"},
    {37, "Western", "Western"},
};

struct company {
    int id;
    const char *logo, *name, *country;
};
static const struct company COMPANIES[] = {
    {923, "/FuVwoa3JsJ816lMrXtXqLDRc3vy.png", "Legendary Pictures", "US"},
    {9996, "/jtTI3TYDbzvYqesGP2ddvbAMtlc.png", "Syncopy", "GB"},
    {174, "/ety3RuzJTz6XNY1rBGPCTqVR36d.png", "Warner Bros. Pictures", "US"},
    {83, NULL, "France 3 Cinéma", "FR"},
    {1632, "/cisLn1YAUuptXVBa0xjq7ST9cH0.png", "Lionsgate", "US"},
    {3172, NULL, "Blumhouse Productions", "US"},
    {2251, "/8PUjvTVmtJDdDXURTaSoPID0Boj.png", "Sony Pictures Animation", "US"},
    {882, "/iDw9Xxok1d9WAM2zFicI8p3khTH.png", "東宝", "JP"},
    {7405, NULL, "Constantin Film", "DE"},
    {12, "/2ycs64eqV5rqKYHyQK0GVoKGvfX.png", "New Line Cinema", "US"},
    {4171, NULL, "Producciones Cinematográficas Águila", "ES"},
    {128064, NULL, "CJ 엔터테인먼트", "KR"},
};

static const char *const FIRST[] = {"Ava",   "Noah",  "Mia",   "Liam", "Zoë",
                                    "Mateo", "Hana",  "Omar",  "Léa",  "Jonas",
                                    "Yuki",  "Sofia", "Ethan", "Ines", "Kai"};
static const char *const LAST[] = {"Carter", "Nguyen", "Müller",   "Okafor", "Rossi",  "Tanaka",
                                   "Dubois", "García", "Kowalski", "Park",   "Hughes", "Silva"};

/* Overview sentences: OVERVIEWS[k][0] + title + OVERVIEWS[k][1]. */
static const char *const OVERVIEWS[][2] = {
    {"When the ", " falls silent, a reluctant stranger must decide what to keep."},
    {"Three friends chase the truth behind ", " before the season ends."},
    {"A family secret resurfaces in ", ", and nobody is ready for it."},
    {"An unlikely crew takes on one last job in ", "."},
    {"Years later, a letter about ", " changes everything."},
    {"In a town defined by ", ", one summer tests every loyalty."},
    {"A scientist races against time as ", " begins to unravel."},
};
static const char *const TAGLINES[] = {
    "Some doors never close.", "Everything has a price.", "The past is never quiet.",
    "One night. No way back.", "Hope travels far.",       "Trust no one.",
};
static const char *const RATED[] = {"G",     "PG",        "PG-13", "R",       "R",
                                    "PG-13", "Not Rated", "N/A",   "Unrated", "TV-MA"};
static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

#endif
