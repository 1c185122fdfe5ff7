"""Language and country codes with the names each upstream shows for them.

Only the values the shipped sandbox data uses are listed; `build_data` drops the others.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # ISO 639-1 where one exists (TMDb `iso_639_1`, IMDb `spokenLanguages[].id`)
    english: str  # TMDb `english_name`, IMDb text, OMDb `Language`
    native: str  # TMDb `name` (TMDb leaves it empty for some languages)


@dataclass(frozen=True, slots=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str  # IMDb and OMDb name
    tmdb_name: str  # TMDb `production_countries[].name`


_LANGUAGES = [
    Language("af", "Afrikaans", "Afrikaans"),
    Language("am", "Amharic", ""),
    Language("ar", "Arabic", "العربية"),
    Language("az", "Azerbaijani", "Azərbaycan"),
    Language("bm", "Bambara", "bamanankan"),
    Language("bg", "Bulgarian", "български език"),
    Language("ca", "Catalan", "Català"),
    Language("cn", "Cantonese", "广州话 / 廣州話"),
    Language("cs", "Czech", "Český"),
    Language("da", "Danish", "Dansk"),
    Language("de", "German", "Deutsch"),
    Language("el", "Greek", "ελληνικά"),
    Language("en", "English", "English"),
    Language("es", "Spanish", "Español"),
    Language("fa", "Persian", "فارسی"),
    Language("fi", "Finnish", "suomi"),
    Language("fr", "French", "Français"),
    Language("ga", "Irish", "Gaeilge"),
    Language("gd", "Scottish Gaelic", "Gàidhlig"),
    Language("ha", "Hausa", "Hausa"),
    Language("he", "Hebrew", "עִבְרִית"),
    Language("hi", "Hindi", "हिन्दी"),
    Language("hr", "Croatian", "Hrvatski"),
    Language("hu", "Hungarian", "Magyar"),
    Language("id", "Indonesian", "Bahasa indonesia"),
    Language("is", "Icelandic", "Íslenska"),
    Language("it", "Italian", "Italiano"),
    Language("ja", "Japanese", "日本語"),
    Language("kk", "Kazakh", "қазақ"),
    Language("ko", "Korean", "한국어/조선말"),
    Language("ku", "Kurdish", ""),
    Language("ky", "Kyrgyz", "Кыргызча"),
    Language("ln", "Lingala", ""),
    Language("lo", "Lao", ""),
    Language("mi", "Maori", ""),
    Language("my", "Burmese", ""),
    Language("nl", "Dutch", "Nederlands"),
    Language("no", "Norwegian", "Norsk"),
    Language("pl", "Polish", "Polski"),
    Language("pt", "Portuguese", "Português"),
    Language("qu", "Quechua", ""),
    Language("ro", "Romanian", "Română"),
    Language("ru", "Russian", "Русский"),
    Language("sh", "Serbo-Croatian", ""),
    Language("sk", "Slovak", "Slovenčina"),
    Language("sr", "Serbian", "Srpski"),
    Language("sv", "Swedish", "svenska"),
    Language("sw", "Swahili", "Kiswahili"),
    Language("ta", "Tamil", "தமிழ்"),
    Language("tg", "Tajik", ""),
    Language("th", "Thai", "ภาษาไทย"),
    Language("tl", "Tagalog", ""),
    Language("tr", "Turkish", "Türkçe"),
    Language("uk", "Ukrainian", "Український"),
    Language("uz", "Uzbek", "ozbek"),
    Language("wo", "Wolof", "Wolof"),
    Language("yi", "Yiddish", ""),
    Language("zh", "Mandarin", "普通话"),
    Language("be", "Belarusian", "беларуская мова"),
    Language("bn", "Bengali", "বাংলা"),
    Language("bs", "Bosnian", "Bosanski"),
    Language("gn", "Guarani", ""),
    Language("hy", "Armenian", ""),
    Language("la", "Latin", "Latin"),
    Language("mr", "Marathi", ""),
    Language("oc", "Occitan", ""),
    Language("pa", "Punjabi", "ਪੰਜਾਬੀ"),
    Language("sq", "Albanian", "shqip"),
    Language("vi", "Vietnamese", "Tiếng Việt"),
    Language("zu", "Zulu", "isiZulu"),
]

_COUNTRIES = [
    Country("AE", "United Arab Emirates", "United Arab Emirates"),
    Country("AR", "Argentina", "Argentina"),
    Country("AT", "Austria", "Austria"),
    Country("AU", "Australia", "Australia"),
    Country("BA", "Bosnia and Herzegovina", "Bosnia and Herzegovina"),
    Country("BE", "Belgium", "Belgium"),
    Country("BG", "Bulgaria", "Bulgaria"),
    Country("BR", "Brazil", "Brazil"),
    Country("BY", "Belarus", "Belarus"),
    Country("CA", "Canada", "Canada"),
    Country("CD", "Democratic Republic of the Congo", "Congo"),
    Country("CH", "Switzerland", "Switzerland"),
    Country("CL", "Chile", "Chile"),
    Country("CM", "Cameroon", "Cameroon"),
    Country("CN", "China", "China"),
    Country("CO", "Colombia", "Colombia"),
    Country("CU", "Cuba", "Cuba"),
    Country("CY", "Cyprus", "Cyprus"),
    Country("CZ", "Czech Republic", "Czech Republic"),
    Country("DE", "Germany", "Germany"),
    Country("DK", "Denmark", "Denmark"),
    Country("DZ", "Algeria", "Algeria"),
    Country("EG", "Egypt", "Egypt"),
    Country("ES", "Spain", "Spain"),
    Country("ET", "Ethiopia", "Ethiopia"),
    Country("FI", "Finland", "Finland"),
    Country("FR", "France", "France"),
    Country("GB", "United Kingdom", "United Kingdom"),
    Country("GE", "Georgia", "Georgia"),
    Country("GR", "Greece", "Greece"),
    Country("HK", "Hong Kong", "Hong Kong"),
    Country("HR", "Croatia", "Croatia"),
    Country("HU", "Hungary", "Hungary"),
    Country("IE", "Ireland", "Ireland"),
    Country("IL", "Israel", "Israel"),
    Country("IN", "India", "India"),
    Country("IR", "Iran", "Iran"),
    Country("IS", "Iceland", "Iceland"),
    Country("IT", "Italy", "Italy"),
    Country("JP", "Japan", "Japan"),
    Country("KG", "Kyrgyzstan", "Kyrgyz Republic"),
    Country("KH", "Cambodia", "Cambodia"),
    Country("KR", "South Korea", "South Korea"),
    Country("KZ", "Kazakhstan", "Kazakhstan"),
    Country("LB", "Lebanon", "Lebanon"),
    Country("LT", "Lithuania", "Lithuania"),
    Country("LU", "Luxembourg", "Luxembourg"),
    Country("LV", "Latvia", "Latvia"),
    Country("MA", "Morocco", "Morocco"),
    Country("MC", "Monaco", "Monaco"),
    Country("MK", "North Macedonia", "North Macedonia"),
    Country("MM", "Myanmar", "Myanmar"),
    Country("MR", "Mauritania", "Mauritania"),
    Country("MX", "Mexico", "Mexico"),
    Country("NL", "Netherlands", "Netherlands"),
    Country("NO", "Norway", "Norway"),
    Country("NZ", "New Zealand", "New Zealand"),
    Country("PE", "Peru", "Peru"),
    Country("PH", "Philippines", "Philippines"),
    Country("PL", "Poland", "Poland"),
    Country("PS", "Palestine", "Palestinian Territory"),
    Country("PT", "Portugal", "Portugal"),
    Country("QA", "Qatar", "Qatar"),
    Country("RO", "Romania", "Romania"),
    Country("RS", "Serbia", "Serbia"),
    Country("RU", "Russia", "Russia"),
    Country("SE", "Sweden", "Sweden"),
    Country("SG", "Singapore", "Singapore"),
    Country("SK", "Slovakia", "Slovakia"),
    Country("SN", "Senegal", "Senegal"),
    Country("TD", "Chad", "Chad"),
    Country("TH", "Thailand", "Thailand"),
    Country("TJ", "Tajikistan", "Tajikistan"),
    Country("TN", "Tunisia", "Tunisia"),
    Country("TR", "Turkey", "Turkey"),
    Country("TW", "Taiwan", "Taiwan"),
    Country("UA", "Ukraine", "Ukraine"),
    Country("US", "United States", "United States of America"),
    Country("UY", "Uruguay", "Uruguay"),
    Country("YU", "Yugoslavia", "Yugoslavia"),
    Country("ZA", "South Africa", "South Africa"),
    Country("EC", "Ecuador", "Ecuador"),
    Country("PY", "Paraguay", "Paraguay"),
    Country("SU", "Soviet Union", "Soviet Union"),
]

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in _LANGUAGES}
COUNTRIES: dict[str, Country] = {country.code: country for country in _COUNTRIES}

# Codes in the source data that mean a language listed above.
LANGUAGE_CODE_ALIASES: dict[str, str] = {"fil": "tl", "wol": "wo", "tgl": "tl", "prs": "fa"}

# Wikidata's language and country labels, where they differ from the names above.
WIKIDATA_LANGUAGES: dict[str, str] = {
    "American English": "en",
    "British English": "en",
    "Standard Chinese": "zh",
    "Chinese": "zh",
    "Putonghua": "zh",
    "Sichuanese": "zh",
    "Standard Taiwanese Mandarin": "zh",
    "Yue Chinese": "cn",
    "Modern Greek": "el",
    "Egyptian Arabic": "ar",
    "Moroccan Arabic": "ar",
    "Kurdish language": "ku",
    "Dari": "fa",
    "Bangla": "bn",
    "Quebec French": "fr",
    "Māori": "mi",
}
WIKIDATA_COUNTRIES: dict[str, str] = {
    "People's Republic of China": "CN",
    "British Hong Kong": "HK",
    "Federal Republic of Yugoslavia": "YU",
    "Occupied Palestinian territory": "PS",
    "Kingdom of the Netherlands": "NL",
}


def language_code(value: str) -> str | None:
    """The code of a language given as a code or a name, or None when unknown."""
    value = value.strip()
    if not value:
        return None
    code = LANGUAGE_CODE_ALIASES.get(value, value)
    if code in LANGUAGES:
        return code
    if value in WIKIDATA_LANGUAGES:
        return WIKIDATA_LANGUAGES[value]
    for language in _LANGUAGES:
        if language.english == value:
            return language.code
    return None


def country_code(value: str) -> str | None:
    """The code of a country given as a code or a name, or None when unknown."""
    value = value.strip()
    if not value:
        return None
    if value in COUNTRIES:
        return value
    if value in WIKIDATA_COUNTRIES:
        return WIKIDATA_COUNTRIES[value]
    for country in _COUNTRIES:
        if value in (country.name, country.tmdb_name):
            return country.code
    return None
