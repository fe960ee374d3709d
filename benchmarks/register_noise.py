"""How noisy are the register entries the drafter proposes, at corpus scale?

Drafts (in-process: `ingest.draft.draft_reading` over `ontology.document.parse`, with the
packaged register) every file of a folder, in a pool of 2 processes, collects the register
entries the drafts propose, and prints: how many distinct proposals; how many open with words
that cannot open a body's name by the rules below (each rule counted); the top 40 proposals
by the number of documents proposing them; and a seeded random sample of 40 for a person to
judge. Prints only.

The rules that say a name opens wrong are general grammar of the genre, defined here on the
name's words alone, independently of the drafter's own rules (so that the drafter cannot
score itself): a body's name is a noun phrase, so it does not open with

- a negation (不, 未, 没有 …) or a conjunction (和, 及, 或, 并, 而, 或者 …);
- a preposition or a co-verb (对, 向, 由, 经, 根据, 按照 …);
- the tail of a word cut in two (者 of 或者, 他 of 其他, 关 of 有关, 地 of 所在地);
- a verb that governs a body as its object (接受, 要求, 征得, 委托 …), or any verb of the
  lexicon followed by words of level or scope (持县级以上…: a verb before the body's name);
- a reference to the text (本条例所称, 前款, 下列, 以下简称 …), and it holds no 的 and no
  clause (是, 所称);
- a time or a number (之日起, 情况下, 1…).

    .venv/bin/python benchmarks/register_noise.py [FOLDER] [--limit N] [--sample K] [--seed S]
        [--save names.json] [--load names.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from dutygraph.ingest import draft_reading
from dutygraph.ingest.intake import collect
from dutygraph.ingest.lexicon import BODY_KINDS, GUIDING_VERBS, LEVEL_PREFIXES, REFERRAL_VERBS, VERBS
from dutygraph.ontology.annotations import load_register
from dutygraph.ontology.document import parse

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "ontology" / "registry" / "agents.yaml"
CORPUS = ROOT.parent / "shared" / "corpus"

NEGATIONS = ("不", "未", "没有", "没", "勿", "莫", "无须", "无需")
CONJUNCTIONS = ("和", "及", "与", "或", "并", "而", "但", "且", "以及", "或者", "并且", "而且")
PREPOSITIONS = (
    "对于",
    "关于",
    "根据",
    "按照",
    "依照",
    "依据",
    "通过",
    "对",
    "向",
    "从",
    "由",
    "被",
    "把",
    "将",
    "给",
    "按",
    "据",
    "于",
    "在",
    "当",
    "除",
    "经",
    "以",
    "为",
    "自",
)
# words that open with a preposition's character and are nouns (自治区, 经济…, 以色列)
PREPOSITION_FALSE_FRIENDS = (
    "自治",
    "自然",
    "自来水",
    "自律",
    "经济",
    "经营",
    "经纪",
    "经销",
    "对外",
    "在华",
    "在京",
    "在校",
    "在职",
    "在岗",
    "以色列",
    "从业",
    "从事",
    "经办",
    "为民",
    "当地",
    "当事人",
    "当事",
    "将军",
    "于",  # placeholder: a one-character name 于 is never proposed alone
)
# the tails of words cut in two: 或者 → 者, 其他 → 他, 有关 → 关, 所在地 → 地
CUT_TAILS = ("者", "他", "济", "了")
# 关 opens a name only as itself a word (关税, 关工委): else it is 有关 cut in two
CUT_GUAN = re.compile("^关(?!税|工委|心|爱|联)")
# verbs whose object is a body: whatever follows them is the object, not part of a name
GOVERNING_VERBS = (
    "接受",
    "征得",
    "征求",
    "要求",
    "委托",
    "包括",
    "阻碍",
    "阻挠",
    "拒绝",
    "通知",
    "告知",
    "抄送",
    "抄报",
    "报告",
    "请求",
    "责令",
    "指定",
    "会同",
    "会商",
    "协商",
    "配合",
    "协助",
    "成立",
    "决定",
)
# one-character verbs (持, 受, 报 …): a verb only before words of level or scope
SHORT_VERBS = ("商", "持", "报", "受", "请", "送", "让", "使", "令", "经", "交由")
SCOPE_AFTER_VERB = (
    *(p for p, _ in LEVEL_PREFIXES if len(p) >= 2),
    "有关",
    "相关",
    "其他",
    "任何",
    "本",
    "该",
    "其",
    "各",
    "上级",
    "上一级",
    "同级",
    "当地",
    "所在地",
)
# 所在地 cut after 所在: 地 before words of level or scope
CUT_DI = re.compile("^地(?:" + "|".join(SCOPE_AFTER_VERB) + ")")
TEXT_REFERENCES = (
    "本条例",
    "本办法",
    "本规定",
    "本法",
    "本条",
    "本款",
    "前款",
    "前条",
    "下列",
    "以下",
    "上述",
)
TEXT_REFERENCES += ("该",)
CLAUSE_WORDS = ("的", "所称", "是", "所列", "简称", "统称")
# a body's name, then a verb: 单位统一组织, 部门接到… (a subject and its predicate)
_KIND_WORDS = sorted({k for k, _, _ in BODY_KINDS if len(k) >= 2}, key=len, reverse=True)
_INNER_VERBS = sorted({*VERBS, *GOVERNING_VERBS} - {k for k, _, _ in BODY_KINDS}, key=len, reverse=True)
INNER_CLAUSE = re.compile(
    "(?:" + "|".join(map(re.escape, _KIND_WORDS)) + ")(?:" + "|".join(map(re.escape, _INNER_VERBS)) + ")"
)
KIND_NAMES = {k for k, _, _ in BODY_KINDS}
TIME_OR_NUMBER = re.compile(
    r"^(之日|日起|之后|之前|以后|以前|期间|情况|后|前|时|\d|[一二三四五六七八九十]+[、是])"
)


def opens_wrong(name: str) -> str | None:
    """Why `name` cannot be a body's name by the rules of the module's docstring, or None."""
    if name.startswith(PREPOSITION_FALSE_FRIENDS[:-1]) or name in KIND_NAMES:
        return None  # 自治区…, 经办机构; 委托人, 申请人: a kind of body or person of its own
    if name.startswith(NEGATIONS):
        return "negation"
    if name.startswith(CONJUNCTIONS):
        return "conjunction"
    if name.startswith(CUT_TAILS) or CUT_GUAN.match(name) or CUT_DI.match(name):
        return "cut word"
    if name.startswith(TEXT_REFERENCES):
        return "reference to the text"
    if TIME_OR_NUMBER.match(name):
        return "time or number"
    if name.startswith(PREPOSITIONS):
        return "preposition"
    for verb in GOVERNING_VERBS:
        if name.startswith(verb) and len(name) > len(verb):
            return "verb + object"
    verbs = (*VERBS, *(v for v, _ in GUIDING_VERBS), *REFERRAL_VERBS, *SHORT_VERBS)
    for verb in verbs:
        if name.startswith(verb) and name[len(verb) :].startswith(SCOPE_AFTER_VERB):
            return "verb + object"
    if any(word in name[1:] for word in CLAUSE_WORDS if word not in ("的",)) or (
        "的" in name and "设区的市" not in name
    ):
        return "clause inside"
    if INNER_CLAUSE.search(name[:-1]):
        return "clause inside"
    return None


def proposals_of(path: Path) -> tuple[str, list[str], str | None]:
    """The zh of each entry the draft of one file proposes (in a worker process)."""
    try:
        raw = path.read_text(encoding="utf-8")
        reading = draft_reading(parse(raw), _register(), path.stem[:60])
    except Exception as error:  # a file that fails is counted, not fatal
        return str(path), [], f"{type(error).__name__}: {error}"
    return str(path), [str(e["zh"]) for e in reading.get("register", []) or []], None


_REGISTER = None


def _register():  # type: ignore[no-untyped-def]
    global _REGISTER
    if _REGISTER is None:
        _REGISTER = load_register(REGISTER)
    return _REGISTER


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="draft at most N files")
    parser.add_argument("--sample", type=int, default=1, help="draft every k-th file")
    parser.add_argument("--seed", type=int, default=12, help="seed of the random sample")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--save", type=Path, help="also write the proposals (name → documents) as JSON")
    parser.add_argument("--load", type=Path, help="report on proposals saved by --save, drafting nothing")
    args = parser.parse_args()
    if args.load:
        saved = json.loads(args.load.read_text(encoding="utf-8"))
        report(Counter(saved["documents"]), saved["files"], saved["failed"], saved["seconds"], args.seed)
        return
    files = [item.path for item in collect([args.folder])][:: max(1, args.sample)]
    if args.limit:
        files = files[: args.limit]
    started = time.perf_counter()
    documents: Counter[str] = Counter()
    failed: list[str] = []
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for path, names, error in pool.map(proposals_of, files, chunksize=4):
            if error:
                failed.append(f"{path}: {error}")
            documents.update(set(names))
    seconds = time.perf_counter() - started
    if args.save:
        saved = {"files": len(files), "failed": failed, "seconds": seconds, "documents": dict(documents)}
        args.save.write_text(json.dumps(saved, ensure_ascii=False, indent=0), encoding="utf-8")
    report(documents, len(files), failed, seconds, args.seed)


def report(documents: Counter[str], files: int, failed: list[str], seconds: float, seed: int) -> None:
    wrong = {name: opens_wrong(name) for name in documents}
    bad = [name for name, why in wrong.items() if why]
    print(f"files drafted: {files - len(failed)} of {files} ({seconds:.1f} s); failed: {len(failed)}")
    for line in failed[:10]:
        print("   failed:", line)
    print(f"distinct proposals: {len(documents)}; proposals over all documents: {sum(documents.values())}")
    share = len(bad) / len(documents) if documents else 0.0
    print(f"open wrong (cannot begin a body's name): {len(bad)} ({share:.1%})")
    for why, n in Counter(w for w in wrong.values() if w).most_common():
        examples = [name for name in bad if wrong[name] == why][:6]
        print(f"   {n:5d}  {why}: {' / '.join(examples)}")
    print("\ntop 40 by documents proposing them (✗ = opens wrong):")
    for name, n in documents.most_common(40):
        print(f"   {n:4d}  {'✗' if wrong[name] else ' '} {name}")
    print(f"\nrandom sample of 40 (seed {seed}), for a person to judge:")
    for name in random.Random(seed).sample(sorted(documents), min(40, len(documents))):
        print(f"   {'✗' if wrong[name] else ' '} {name}")


if __name__ == "__main__":
    main()
