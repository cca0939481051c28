"""Tag a shopper's or customer's message with one topic, by keyword rules a merchant can read.

Each rule is a word stem or phrase in one shipped language with a weight. A message scores every topic by the
rules it matches (all languages at once: shoppers write in their own language whatever the store's is); the
highest score wins, ties go to the topic listed first in `TOPICS` (the more specific one), and a message
matching nothing is `other`. The matched phrases are kept with the tag, so the admin can say why.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Topic(StrEnum):
    ORDER_STATUS = "order_status"
    RETURNS = "returns"
    PAYMENT = "payment"
    SIZING = "sizing"
    SHIPPING_COST = "shipping_cost"
    DELIVERY_TIME = "delivery_time"
    PRODUCT = "product"
    OTHER = "other"


TOPICS: tuple[Topic, ...] = tuple(Topic)  # also the tie-break order: most specific first


@dataclass(frozen=True)
class Rule:
    topic: Topic
    pattern: str  # a regex fragment, matched case-insensitively on the NFKC-normalised text
    weight: int = 1


@dataclass(frozen=True)
class TopicMatch:
    topic: Topic
    score: int
    matched: tuple[str, ...]  # the rule patterns that matched, for "why this topic"


def _rules(topic: Topic, *patterns: str, weight: int = 1) -> list[Rule]:
    return [Rule(topic, pattern, weight) for pattern in patterns]


COST, TIME, RETURN, SIZE, PAY, ITEM, ORDER = (
    Topic.SHIPPING_COST,
    Topic.DELIVERY_TIME,
    Topic.RETURNS,
    Topic.SIZING,
    Topic.PAYMENT,
    Topic.PRODUCT,
    Topic.ORDER_STATUS,
)

# Stems start at a word boundary (\b) where the language separates words; German and Swedish compounds
# ("Versandkosten", "leveranstiden") are matched inside words, Japanese has no spaces at all.
RULES_BY_LANGUAGE: Mapping[str, Sequence[Rule]] = {
    "en": [
        *_rules(COST, r"\bhow much\b.*\b(shipping|postage|delivery)", r"\bfree (shipping|delivery)", weight=3),
        *_rules(
            COST, r"\bpostage\b", r"\bshipping (cost|fee|price|rate|charge)", r"\bdelivery (charge|fee|cost)", weight=2
        ),
        *_rules(
            COST,
            r"\bcustoms\b",
            r"\bduties\b",
            r"\bimport (tax|fee)",
            r"\bshipping\b.*\b(expensive|too high|too much)",
            weight=2,
        ),
        *_rules(
            TIME,
            r"\bhow (long|fast|quickly)\b",
            r"\barrive (before|by)\b",
            r"\bexpress\b",
            r"\bnext[- ]day\b",
            weight=2,
        ),
        *_rules(TIME, r"\bneed it by\b", r"\bdelivery time", r"\bwhen will (it|my parcel|the parcel) arrive", weight=2),
        *_rules(
            TIME, r"\btook\b.*\b(days|weeks)\b", r"\b(too|so|very) slow\b", r"\bslow (delivery|shipping)\b", weight=2
        ),
        *_rules(
            RETURN,
            r"\breturn(s|ed|ing)?\b",
            r"\brefund",
            r"\bexchange\b",
            r"\bsen[dt] (it |them |the \w+ )?back\b",
            weight=2,
        ),
        *_rules(RETURN, r"\bmoney back\b", r"\bno money\b", weight=2),
        *_rules(
            SIZE,
            r"\bsizes?\b",
            r"\bsizing\b",
            r"\bruns? (small|large|big)\b",
            r"\bmeasurements?\b",
            r"\bfits?\b",
            weight=2,
        ),
        *_rules(SIZE, r"\b(too|way too) (tight|loose|big|small|long|short)\b", weight=2),
        *_rules(PAY, r"\bpay(ing|ment)?\b", r"\bpaypal\b", r"\bcard\b", r"\bcharged\b", r"\bdeclined\b", weight=2),
        *_rules(
            PAY, r"\binstal?lments?\b", r"\bklarna\b", r"\bapple pay\b", r"\bgoogle pay\b", r"\bbilled\b", weight=2
        ),
        *_rules(
            ITEM, r"\bmade of\b", r"\bmaterial\b", r"\bdishwasher\b", r"\bcompatible\b", r"\bback in stock\b", weight=2
        ),
        *_rules(
            ITEM, r"\bin stock\b", r"\bwaterproof\b", r"\bingredients?\b", r"\bcome with\b", r"\bsuitable\b", weight=2
        ),
        *_rules(ITEM, r"\bassembled\b", r"\bbatter(y|ies)\b", weight=2),
        *_rules(
            ORDER,
            r"\bwhere is my (order|parcel|package)",
            r"\btracking\b",
            r"\bnot (yet )?(arrived|received)",
            weight=3,
        ),
        *_rules(ORDER, r"\bcancel\b.*\border", r"\bchange\b.*\baddress\b.*\border", r"\border #?\d+", weight=3),
        *_rules(ORDER, r"\b(shipped|dispatched) yet\b", r"\bmy order\b", r"\bordered\b.*\bago\b", weight=2),
    ],
    "de": [
        *_rules(COST, r"\bwas kostet der versand", r"versandkosten", r"kostenlos", r"versandkostenfrei", weight=3),
        *_rules(COST, r"\bgebühren\b", r"\bzoll", weight=2),
        *_rules(
            TIME, r"\bwie (lange|schnell)\b", r"\bdauert", r"lieferzeit", r"\bexpress", r"\bvor weihnachten\b", weight=2
        ),
        *_rules(
            TIME, r"\bbrauche (es|ihn|sie) bis\b", r"\bkommt\b.*\ban\b", r"\bgeliefert\b", r"\blangsam\b", weight=2
        ),
        *_rules(
            RETURN, r"zurück(schick|send|geschickt|gesendet)", r"\bgeld zurück\b", r"umtausch", r"\bretoure", weight=2
        ),
        *_rules(RETURN, r"\brückgabe", r"rücksendung", r"erstatt", r"\bwiderruf", weight=3),
        *_rules(SIZE, r"\bgröße", r"\bfällt\b.*\b(klein|groß)", r"\bwie lang ist\b", r"\bpasst\b", weight=2),
        *_rules(SIZE, r"\bzu (eng|weit|groß|klein|lang|kurz)\b", weight=2),
        *_rules(
            PAY,
            r"\bbezahl",
            r"\bzahl(en|ung)\b",
            r"kreditkarte",
            r"\brechnung\b",
            r"ratenzahlung",
            r"\bklarna\b",
            weight=2,
        ),
        *_rules(PAY, r"\babgelehnt\b", r"\bpaypal\b", r"\babgebucht\b", weight=2),
        *_rules(
            ITEM,
            r"\bwasserdicht\b",
            r"\bmaterial\b",
            r"\bwieder verfügbar\b",
            r"\bauf lager\b",
            r"\bgeeignet\b",
            weight=2,
        ),
        *_rules(ITEM, r"\bkompatibel\b", r"\benthält\b", r"\bvolt\b", weight=2),
        *_rules(
            ORDER, r"\bwo bleibt\b", r"sendungsverfolgung", r"\bstornieren\b", r"\bnoch nicht angekommen\b", weight=3
        ),
        *_rules(ORDER, r"\bmeine bestellung\b", r"\bwarte seit\b", r"\b(verschickt|versendet)\b", weight=2),
    ],
    "fr": [
        *_rules(
            COST,
            r"\bcombien coûte la livraison",
            r"\blivraison (est-elle )?gratuite",
            r"\bfrais (de port|d'envoi|de livraison)",
            weight=3,
        ),
        *_rules(COST, r"\bdouane", r"\bfrais de douane", weight=2),
        *_rules(
            TIME,
            r"\bdélai",
            r"\bexpress\b",
            r"\bavant (samedi|lundi|mardi|mercredi|jeudi|vendredi|dimanche|noël)\b",
            weight=2,
        ),
        *_rules(TIME, r"\bcombien de (temps|jours)\b", r"\b(très |trop )?lente?\b", r"\brapide", weight=2),
        *_rules(RETURN, r"\bretourner\b", r"\bretour\b", r"\brembours", r"\béchanger\b", r"\brenvoy", weight=2),
        *_rules(
            SIZE,
            r"\btaille\b",
            r"\btour de (poitrine|taille)\b",
            r"\bpointure\b",
            r"\btrop (grand|petit|serré|large)",
            weight=2,
        ),
        *_rules(PAY, r"\bpayer\b", r"\bpaiement\b", r"\bcarte bancaire\b", r"\brefusée\b", r"\bpaypal\b", weight=2),
        *_rules(PAY, r"\bplusieurs fois\b", r"\bdébité", r"\bapple pay\b", weight=2),
        *_rules(
            ITEM,
            r"\ben laine\b",
            r"\bcompatible\b",
            r"\ben stock\b",
            r"\bmatière\b",
            r"\bconvient",
            r"\bétanche",
            weight=2,
        ),
        *_rules(
            ORDER,
            r"\boù en est ma commande\b",
            r"\bpas (encore |toujours )?reçu\b",
            r"\bma commande\b",
            r"\bsuivi\b",
            weight=3,
        ),
        *_rules(ORDER, r"\bannuler\b", r"\bcolis (est )?(bloqué|perdu)", r"\bexpédié", weight=2),
    ],
    "es": [
        *_rules(
            COST, r"\bcuánto cuesta el envío", r"\benvío (es )?gratis", r"\bgastos de envío", r"\baduana", weight=3
        ),
        *_rules(COST, r"\benvío\b.*\bcaro\b", weight=2),
        *_rules(
            TIME,
            r"\bcuánto tarda",
            r"\btardó\b",
            r"\bllega antes\b",
            r"\burgente\b",
            r"\bexpress\b",
            r"\bplazo de entrega",
            weight=2,
        ),
        *_rules(RETURN, r"\bdevolver", r"\bdevolución\b", r"\breembolso\b", r"\bcambiar\b.*\bpor otr", weight=2),
        *_rules(
            SIZE,
            r"\btalla\b",
            r"\btallan\b",
            r"\bmedidas\b",
            r"\bme queda(n)? (grande|pequeñ|ajustad|estrech)",
            weight=2,
        ),
        *_rules(PAY, r"\bpagar\b", r"\bpago\b", r"\btarjeta\b", r"\bbizum\b", r"\ba plazos\b", r"\bpaypal\b", weight=2),
        *_rules(PAY, r"\bcobrad[oa]s?\b", r"\bcobro\b", weight=2),
        *_rules(ITEM, r"\bsulfatos\b", r"\bmaterial\b", r"\bstock\b", r"\bcompatible\b", r"\bimpermeable\b", weight=2),
        *_rules(
            ORDER,
            r"\bdónde está mi pedido\b",
            r"\bseguimiento\b",
            r"\bcancelar mi pedido\b",
            r"\bmi pedido\b",
            weight=3,
        ),
        *_rules(ORDER, r"\bentregado pero\b", r"\bno (me )?ha llegado\b", weight=3),
    ],
    "it": [
        *_rules(
            COST,
            r"\bquanto costa la spedizione",
            r"\bspedizione (è )?gratuita",
            r"\bcosti doganali",
            r"\bdogana",
            weight=3,
        ),
        *_rules(COST, r"\b(spese|costi?) di spedizione\b", weight=3),
        *_rules(
            TIME, r"\bquanto tempo\b", r"\barriva entro\b", r"\bconsegna espressa\b", r"\btempi di consegna\b", weight=2
        ),
        *_rules(TIME, r"\bconsegna\b.*\b(lent|veloc)", weight=2),
        *_rules(RETURN, r"\brestituire\b", r"\breso\b", r"\brimborso\b", r"\bcambiare\b.*\bcon un altr", weight=2),
        *_rules(SIZE, r"\btaglia\b", r"\bveste (piccol|grand)", r"\bmisure\b", r"\b(sono|è) (strett|larg)", weight=2),
        *_rules(
            PAY,
            r"\bpagare\b",
            r"\bpagamento\b",
            r"\bcarta\b",
            r"\bpaypal\b",
            r"\bcontrassegno\b",
            r"\baddebit",
            weight=2,
        ),
        *_rules(
            ITEM,
            r"\bcotone\b",
            r"\bmateriale\b",
            r"\bcompatibile\b",
            r"\btorna disponibile\b",
            r"\bmontato\b",
            weight=2,
        ),
        *_rules(
            ORDER,
            r"\bdov'è il mio ordine\b",
            r"\btracciamento\b",
            r"\bnon è ancora arrivato\b",
            r"\bmio ordine\b",
            weight=3,
        ),
        *_rules(ORDER, r"\bpacco\b.*\b(consegnato|fermo)\b", r"\bnon l'ho ricevuto\b", weight=3),
    ],
    "nl": [
        *_rules(
            COST,
            r"\bwat kost de verzending",
            r"\bverzending (is )?gratis",
            r"verzendkosten",
            r"\binvoerrechten\b",
            weight=3,
        ),
        *_rules(TIME, r"\bhoe lang duurt\b", r"\bmorgen in huis\b", r"\bsnelle bezorg", r"\blevertijd\b", weight=2),
        *_rules(TIME, r"\bbezorging\b.*\b(lang|traag|snel)\b", r"\bduurde\b", weight=2),
        *_rules(RETURN, r"\bterugsturen\b", r"\bgeld terug\b", r"\bruilen\b", r"\bretour", weight=2),
        *_rules(
            SIZE,
            r"\bmaat",
            r"\bvalt\b.*\b(klein|groot)\b",
            r"\bafmetingen\b",
            r"\bte (klein|groot|krap|strak)\b",
            weight=2,
        ),
        *_rules(PAY, r"\bbetalen\b", r"\bbetaling\b", r"\bbetaald\b", r"\bideal\b", r"\bachteraf\b", weight=2),
        *_rules(ITEM, r"\bwaterdicht\b", r"\bmateriaal\b", r"\bop voorraad\b", r"\bgeschikt\b", weight=2),
        *_rules(ORDER, r"\bwaar blijft\b", r"\bniet aangekomen\b", r"\bannuleren\b", r"\bmijn bestelling\b", weight=3),
    ],
    "pl": [
        *_rules(
            COST,
            r"\bile kosztuje wysyłka",
            r"\bdostawa jest darmowa",
            r"\bdarmow",
            r"\bcło\b",
            r"\bkoszt(y)? wysyłki",
            weight=3,
        ),
        *_rules(
            TIME,
            r"\bjak długo trwa\b",
            r"\bdotrze przed\b",
            r"\bekspres",
            r"\bczas dostawy\b",
            r"\bdostawa trwała\b",
            weight=2,
        ),
        *_rules(RETURN, r"\bzwrócić\b", r"\bzwrot\b", r"\bwymienić\b", r"\bodesła", weight=2),
        *_rules(SIZE, r"\brozmiar", r"\bwymiary\b", r"\bmniejsza niż\b", r"\bza (mał|duż|dług|krótk|ciasn)", weight=2),
        *_rules(PAY, r"\bzapłacić\b", r"\bpłatność\b", r"\bblik", r"\bprzy odbiorze\b", r"\bpobrano\b", weight=2),
        *_rules(ITEM, r"\bskóry\b", r"\bmateriału\b", r"\bznowu dostępny\b", r"\bnadaje się\b", weight=2),
        *_rules(
            ORDER,
            r"\bgdzie jest moje zamówienie\b",
            r"\bnie dotarła\b",
            r"\bśledzenia\b",
            r"\banulować zamówienie\b",
            weight=3,
        ),
        *_rules(ORDER, r"\bstatus zamówienia\b", weight=3),
    ],
    "sv": [
        *_rules(
            COST,
            r"\bvad kostar frakten",
            r"\bfrakten (är )?gratis",
            r"\bfraktfri",
            r"\btull\b",
            r"\bfraktkostnad",
            weight=3,
        ),
        *_rules(TIME, r"leveranstid", r"\bkommer det fram\b", r"expressleverans", r"\bleveransen tog\b", weight=2),
        *_rules(
            RETURN, r"\breturnera\b", r"\bpengarna tillbaka\b", r"\bbyta\b", r"\bretur\b", r"återbetalning", weight=2
        ),
        *_rules(RETURN, r"\bskickat tillbaka\b", weight=2),
        *_rules(SIZE, r"\bstorlek", r"\bmått\b", r"\bför (små|stora|liten|stor|trång)", weight=2),
        *_rules(PAY, r"\bbetala\b", r"\bbetalning\b", r"\bkort\b.*\bnekas\b", r"\bswish\b", r"\bfaktura\b", weight=2),
        *_rules(PAY, r"\bdebiterad", weight=2),
        *_rules(ITEM, r"\bdimbar\b", r"\bmaterial\b", r"\bi lager\b", r"\btål\b", weight=2),
        *_rules(
            ORDER,
            r"\bvar är min beställning\b",
            r"\binte kommit fram\b",
            r"\bavbryta min order\b",
            r"\bmin order\b",
            weight=3,
        ),
    ],
    "pt": [
        *_rules(
            COST,
            r"\bquanto custa o (frete|envio)",
            r"\benvio (é )?grátis",
            r"\bfrete grátis",
            r"\btaxas alfandegárias",
            weight=3,
        ),
        *_rules(COST, r"\bportes\b", r"\bfrete\b", weight=2),
        *_rules(TIME, r"\bprazo de entrega\b", r"\bchega até\b", r"\bentrega expressa\b", r"\bdemorou\b", weight=2),
        *_rules(RETURN, r"\bdevolver\b", r"\bdevolvi\b", r"\bdevolução\b", r"\breembolso\b", r"\btrocar\b", weight=2),
        *_rules(SIZE, r"\btamanhos?\b", r"\bveste (grande|pequeno)", r"\bmedidas\b", r"\bapertad", weight=2),
        *_rules(
            PAY,
            r"\bpagar\b",
            r"\bpagamento\b",
            r"\bcartão\b",
            r"\bmb way\b",
            r"\bprestações\b",
            r"\bcobrad[oa]\b",
            weight=2,
        ),
        *_rules(ITEM, r"\bvegano\b", r"\bmaterial\b", r"\bstock\b", r"\bestoque\b", r"\bimpermeável\b", weight=2),
        *_rules(
            ORDER,
            r"\bonde está a minha encomenda\b",
            r"\bainda não chegou\b",
            r"\bcancelar a minha encomenda\b",
            weight=3,
        ),
        *_rules(ORDER, r"\bminha encomenda\b", r"\bmeu pedido\b", weight=2),
    ],
    "ja": [
        *_rules(COST, r"送料", r"関税", weight=3),
        *_rules(TIME, r"何日", r"届きますか", r"お急ぎ便", r"到着", r"かかりました", r"遅", weight=2),
        *_rules(RETURN, r"返品", r"返金", r"交換", weight=2),
        *_rules(SIZE, r"サイズ", r"大きめ", r"小さめ", r"着丈", r"小さすぎ", r"大きすぎ", r"きつ", weight=2),
        *_rules(PAY, r"代引", r"クレジットカード", r"コンビニ払い", r"支払", r"決済", r"請求", weight=2),
        *_rules(ITEM, r"素材", r"食洗機", r"再入荷", r"在庫", r"組み立て", r"付属", weight=2),
        *_rules(ORDER, r"まだ届きません", r"配送状況", r"追跡", r"キャンセル", weight=3),
        *_rules(ORDER, r"発送されますか", r"発送済", weight=2),
    ],
}

_NORMALISE_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class _Compiled:
    topic: Topic
    pattern: str
    regex: re.Pattern[str]
    weight: int


def _compile() -> tuple[_Compiled, ...]:
    # A phrase two languages share ("pagar" in Spanish and Portuguese) counts once per topic.
    unique = {(rule.topic, rule.pattern): rule for rules in RULES_BY_LANGUAGE.values() for rule in rules}
    return tuple(
        _Compiled(rule.topic, rule.pattern, re.compile(rule.pattern, re.IGNORECASE), rule.weight)
        for rule in unique.values()
    )


_COMPILED = _compile()


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits become plain), one space between words, lower case (not casefold,
    which would turn German "ß" into "ss" and miss "Größe")."""
    return _NORMALISE_SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def classify(text: str) -> TopicMatch:
    """The message's topic, its score and the phrases that decided it; `other` when no rule matches."""
    normalised = normalise(text)
    scores = dict.fromkeys(TOPICS, 0)
    matched: dict[Topic, list[str]] = {topic: [] for topic in TOPICS}
    for rule in _COMPILED:
        if rule.regex.search(normalised):
            scores[rule.topic] += rule.weight
            matched[rule.topic].append(rule.pattern)
    best = max(TOPICS, key=lambda topic: (scores[topic], -TOPICS.index(topic)))
    if scores[best] == 0:
        return TopicMatch(Topic.OTHER, 0, ())
    return TopicMatch(best, scores[best], tuple(matched[best]))
