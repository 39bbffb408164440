"""One tip for a bin: the staff's own tips first, else a short tip of our own.

The progress page names the bin that changed most and gives one tip for it. Staff write tips
in the tips library (tracker/services/news.py) with tags; a tip tagged with one of the bin's
words below (``emballages`` for packaging, ...) is chosen first, the newest one. Without such a
tip, the sentence of `DEFAULT_TIPS` for the bin is shown (French, reviewed by the team).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tracker.domain import Stream, fold_name
from tracker.services import news

#: tags that point a staff tip at a bin (accents and case are ignored by the search)
BIN_TAGS = {
    Stream.RESIDUAL: ("ordures ménagères", "omr", "ordures", "poubelle"),
    Stream.PACKAGING: ("emballages", "emballage", "vrac", "courses"),
    Stream.GLASS: ("verre", "bocaux", "consigne"),
    Stream.BIOWASTE: ("compost", "biodéchets", "cuisine"),
    Stream.PAPER: ("papier", "stop pub"),
    Stream.TEXTILE: ("textile", "vêtements"),
    Stream.BULKY: ("encombrants", "réemploi", "réparation"),
}

#: the tip shown when staff have none for the bin
DEFAULT_TIPS = {
    Stream.RESIDUAL: "Les restes de repas pèsent lourd dans la poubelle grise : un composteur ou "
                     "un lombricomposteur en retire souvent le tiers.",
    Stream.PACKAGING: "Faites vos courses en vrac avec des bocaux et des sacs en tissu : les "
                      "emballages ne rentrent plus à la maison.",
    Stream.GLASS: "Préférez les bouteilles consignées et les grands contenants : moins de verre à "
                  "porter au conteneur.",
    Stream.BIOWASTE: "Les biodéchets compostés ne comptent pas dans vos déchets : continuez, et "
                     "pensez au paillage du jardin.",
    Stream.PAPER: "Un autocollant « Stop pub » sur la boîte aux lettres évite plusieurs kilos de "
                  "papier par mois.",
    Stream.TEXTILE: "Donnez ou réparez les vêtements : les points de collecte textile les "
                    "reprennent même usés.",
    Stream.BULKY: "La ressourcerie du territoire reprend meubles et objets en état : le réemploi "
                  "avant la déchetterie.",
}


@dataclass(frozen=True)
class BinTip:
    stream: str
    title: str | None  # a staff tip's title (None for our own)
    text: str
    link: str = ""


def tip_for(session: Session, edition_id: int | None, stream: str) -> BinTip | None:
    """The newest staff tip tagged for the bin, else our own; None for an unknown bin."""
    wanted = {fold_name(tag) for tag in BIN_TAGS.get(stream, ())}
    found = [tip for tip in news.search_tips(session, edition_id)
             if wanted & {fold_name(t).strip() for t in tip.tags.split(",")}]
    if found:
        tip = max(found, key=lambda t: (t.published_at, t.id))
        return BinTip(stream, tip.title, tip.body, tip.link or "")
    text = DEFAULT_TIPS.get(stream)
    return BinTip(stream, None, text) if text else None
