"""News pages in legacy encodings, for the decoding tests: each written in its language, with
the characters that tell its encoding apart, and served or written with and without a
declaration of its charset.

`EncodedPage.html(declared=True)` carries `<meta charset>`; `declared=False` carries nothing,
so only the bytes themselves can tell the encoding (the HTTP form adds or leaves out the
charset in Content-Type).
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class EncodedPage:
    """One article and how it is written: `codec` (Python) writes the bytes, `label` declares
    them, `encoding` is the Encoding Standard name the decoder must report for them."""

    name: str
    codec: str
    label: str
    encoding: str
    language: str
    title: str
    paragraphs: tuple[str, ...]
    undeclared: str | None = None  # what detection reads undeclared bytes as, if not `encoding`

    @property
    def detected(self) -> str:
        """The encoding sniffing finds for the page without any declaration."""
        return self.undeclared or self.encoding

    @property
    def sample(self) -> str:
        """A sentence the stored text must hold, character for character."""
        return self.paragraphs[1]

    def html(self, declared: bool) -> bytes:
        """The page's bytes, with `<meta charset>` or without any declaration."""
        meta = f'<meta charset="{self.label}">\n' if declared else ""
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs)
        page = (
            f'<!DOCTYPE html>\n<html lang="{self.language}">\n<head>\n{meta}'
            f"<title>{html.escape(self.title)}</title>\n"
            '<meta name="date" content="2026-03-02">\n</head>\n<body>\n<article>\n'
            f"<h1>{html.escape(self.title)}</h1>\n{body}\n</article>\n</body>\n</html>\n"
        )
        return page.encode(self.codec)


PAGES = (
    EncodedPage(
        name="de-windows-1252",
        codec="cp1252",
        label="windows-1252",
        encoding="windows-1252",
        language="de",
        title="Stadtrat beschließt neue Fußgängerzone in der Altstadt",
        paragraphs=(
            "Der Stadtrat hat am Montagabend mit großer Mehrheit beschlossen, die Altstadt ab "
            "dem Frühjahr weitgehend für den Autoverkehr zu sperren.",
            "„Wir wollen, dass sich die Menschen hier wieder gern aufhalten“, sagte die "
            "Bürgermeisterin nach der Sitzung – die Händler sind geteilter Meinung.",
            "Die Umbaukosten von rund 4,2 Millionen € sollen zur Hälfte aus Fördermitteln des "
            "Landes gedeckt werden; der Rest wird über drei Jahre verteilt.",
            "Anwohner dürfen weiterhin in ihre Straßen einfahren, Lieferverkehr ist morgens "
            "zwischen sechs und zehn Uhr erlaubt. Eine Bürgerversammlung ist für März geplant.",
        ),
    ),
    EncodedPage(
        name="es-iso-8859-1",
        codec="latin-1",
        label="iso-8859-1",
        encoding="windows-1252",  # the standard reads every latin-1 label as windows-1252
        language="es",
        title="La sequía obliga a restringir el riego en la cuenca del río",
        paragraphs=(
            "La confederación hidrográfica anunció el martes nuevas restricciones al riego "
            "después de un invierno con apenas la mitad de las lluvias habituales.",
            "«No hay otra opción si queremos garantizar el abastecimiento urbano este verano», "
            "explicó el presidente del organismo, que pidió comprensión a los agricultores.",
            "Los embalses de la cuenca están al 31 % de su capacidad, según los últimos datos, "
            "frente al 58 % que tenían hace un año por estas mismas fechas.",
            "Las organizaciones agrarias calculan pérdidas de varios millones de euros y "
            "reclaman ayudas urgentes; el Gobierno regional estudiará el jueves la petición.",
        ),
    ),
    EncodedPage(
        name="pl-iso-8859-2",
        codec="iso8859_2",
        label="iso-8859-2",
        encoding="ISO-8859-2",
        language="pl",
        title="Nowy most na Wiśle otwarty po trzech latach budowy",
        paragraphs=(
            "W sobotę rano oddano do użytku nowy most drogowy na Wiśle, który ma odciążyć "
            "zakorkowane centrum miasta i skrócić dojazd do dzielnic po wschodniej stronie.",
            '"To największa inwestycja w historii naszego województwa" - powiedział marszałek '
            "podczas uroczystości, na którą przyszło kilka tysięcy mieszkańców.",
            "Przeprawa ma długość ponad ośmiuset metrów, a jej budowa pochłonęła niemal "
            "sześćset milionów złotych, z czego większość pochodziła ze środków unijnych.",
            "Kierowcy muszą się jednak liczyć z utrudnieniami na dojazdach, ponieważ prace "
            "przy węźle komunikacyjnym potrwają jeszcze do końca wakacji.",
        ),
    ),
    EncodedPage(
        name="fr-iso-8859-15",
        codec="iso8859_15",
        label="iso-8859-15",
        encoding="ISO-8859-15",
        language="fr",
        title="Le prix du pain augmente encore dans les boulangeries",
        paragraphs=(
            "Les boulangers de la région annoncent une nouvelle hausse de leurs prix à partir "
            "du mois prochain, la troisième en moins de deux ans.",
            "La baguette passera de 1,10 € à 1,20 € dans la plupart des boutiques, une "
            "décision que les artisans disent prendre à contrecœur face au coût de l'énergie.",
            "« Nos fours tournent la nuit entière, et la facture d'électricité a doublé », "
            "résume le président de la fédération départementale, qui réunit deux cents maîtres.",
            "Les clients interrogés devant les vitrines se montrent résignés ; beaucoup disent "
            "déjà acheter moins de viennoiseries qu'avant l'été.",
        ),
    ),
    EncodedPage(
        name="cs-windows-1250",
        codec="cp1250",
        label="windows-1250",
        encoding="windows-1250",
        language="cs",
        title="Vláda schválila zvýšení platů učitelů od září",
        paragraphs=(
            "Vláda na svém pondělním zasedání schválila návrh, podle kterého se platy učitelů "
            "od září zvýší v průměru o osm procent.",
            "„Školství je pro nás prioritou a tohle je jasný signál,“ řekl ministr po jednání "
            "kabinetu. Odbory však považují navýšení za nedostatečné.",
            "Peníze na zvýšení mají pocházet z rezervy státního rozpočtu, která letos činí "
            "přibližně čtyři miliardy korun, a z úspor na ministerstvech.",
            "Ředitelé škol upozorňují, že v řadě regionů stále chybějí kvalifikovaní učitelé "
            "matematiky a fyziky, a žádají, aby vláda řešila i tento problém.",
        ),
    ),
    EncodedPage(
        name="ru-windows-1251",
        codec="cp1251",
        label="windows-1251",
        encoding="windows-1251",
        language="ru",
        title="В городе откроют новую линию трамвая",
        paragraphs=(
            "Городские власти объявили, что новая линия трамвая свяжет северные районы с "
            "железнодорожным вокзалом уже к концу следующего года.",
            "«Мы рассчитываем, что поездка займёт не больше двадцати минут», — сообщил "
            "заместитель мэра на пресс-конференции во вторник.",
            "Стоимость проекта оценивается в шесть миллиардов рублей; часть средств выделит "
            "федеральный бюджет, остальное город возьмёт в кредит.",
            "Жители районов, через которые пройдут пути, опасаются шума, однако инженеры "
            "обещают использовать бесшумные рельсы и высадить вдоль линии деревья.",
        ),
    ),
    EncodedPage(
        name="ru-koi8-r",
        undeclared="KOI8-U",  # chardetng names the superset, which reads Russian the same
        codec="koi8_r",
        label="koi8-r",
        encoding="KOI8-R",
        language="ru",
        title="Музей получил в дар коллекцию старинных карт",
        paragraphs=(
            "Краеведческий музей получил в дар уникальную коллекцию из ста сорока старинных "
            "карт, собранную местным учителем географии за сорок лет.",
            "Самой старой карте в собрании больше трёхсот лет, и на ней ещё нет многих "
            "городов, которые сегодня считаются крупными центрами области.",
            "Директор музея рассказала, что выставка откроется весной, а до этого специалисты "
            "проведут реставрацию наиболее пострадавших листов.",
            "Часть карт будет оцифрована и размещена в открытом доступе, чтобы исследователи "
            "могли работать с ними, не приезжая в город.",
        ),
    ),
    EncodedPage(
        name="ja-shift_jis",
        codec="cp932",
        label="shift_jis",
        encoding="Shift_JIS",
        language="ja",
        title="市内の図書館、開館時間を夜九時まで延長へ",
        paragraphs=(
            "市教育委員会は二十日、市立図書館の開館時間を来月から午後九時まで延長すると発表した。",
            "仕事帰りの会社員や学生から延長を求める声が多く寄せられていたことを受けた措置で、"
            "平日のみが対象となる。",
            "延長に伴う人件費は年間およそ二千万円と見込まれており、市は職員の配置を見直して"
            "費用の一部をまかなう方針だ。",
            "図書館の担当者は「夜の時間帯にも気軽に立ち寄ってほしい」と話している。",
        ),
    ),
    EncodedPage(
        name="ja-euc-jp",
        codec="euc_jp",
        label="euc-jp",
        encoding="EUC-JP",
        language="ja",
        title="港の朝市、週末ごとに開催へ　観光客の増加を期待",
        paragraphs=(
            "漁業協同組合は、これまで月に一度だった港の朝市を、四月から毎週土曜日と日曜日に"
            "開くことを決めた。",
            "朝市では水揚げされたばかりの魚や貝のほか、地元の農家が育てた野菜や果物も"
            "販売される予定だ。",
            "組合長は「若い漁師たちの収入を増やし、町に人を呼び込むきっかけにしたい」と"
            "意気込みを語った。",
            "町の観光協会も、駅から港までの無料送迎バスを運行して朝市を後押しする。",
        ),
    ),
    EncodedPage(
        name="ko-euc-kr",
        codec="cp949",
        label="euc-kr",
        encoding="EUC-KR",
        language="ko",
        title="시내버스 요금 다음 달부터 인상",
        paragraphs=(
            "시는 다음 달 첫째 주부터 시내버스 기본요금을 일반 성인 기준으로 백 원 올린다고 "
            "밝혔다.",
            "시 관계자는 연료비와 인건비가 크게 늘어 운송 회사들의 적자가 계속 쌓이고 "
            "있다며 요금 인상은 불가피하다고 설명했다.",
            "다만 청소년과 어린이 요금은 그대로 유지하고, 교통카드를 이용하는 승객에게는 "
            "환승 할인 혜택을 계속 제공하기로 했다.",
            "시민단체들은 대중교통 이용이 줄어들 수 있다며 인상 계획을 다시 검토해 달라고 "
            "요구하고 있다.",
        ),
    ),
    EncodedPage(
        name="zh-gb18030",
        codec="gb18030",
        label="gb18030",
        encoding="gb18030",
        language="zh",
        title="市区新增三条公交线路 方便居民出行",
        paragraphs=(
            "市交通运输局近日宣布，下月起将新开通三条公交线路，覆盖城市东部的多个新建住宅区。",
            "据介绍，新线路每天早上六点开始运营，晚上十点结束，高峰时段的发车间隔不超过十分钟。",
            "许多居民表示，过去上班需要换乘两次，新线路开通后可以直接到达地铁站，节省了不少时间。",
            "交通部门还表示，将根据乘客数量调整班次，并在部分站点增设候车亭。",
        ),
    ),
    EncodedPage(
        name="zh-big5",
        codec="big5hkscs",
        label="big5",
        encoding="Big5",
        language="zh",
        title="颱風逼近　沿海地區學校明天停課",
        paragraphs=(
            "中央氣象局表示，颱風預計明天清晨在東部沿海登陸，各地將出現強風和豪雨。",
            "沿海多個縣市已宣布明天停止上班上課，並提醒民眾盡量避免前往海邊和山區。",
            "漁業署也要求所有漁船在今晚之前返回港口避風，已有數百艘漁船進港停泊。",
            "專家指出，這次颱風的雨量可能超過去年同期，低窪地區的居民應提早做好防水準備。",
        ),
    ),
    EncodedPage(
        name="tr-windows-1254",
        codec="cp1254",
        label="iso-8859-9",  # the standard reads latin-5 as windows-1254
        encoding="windows-1254",
        language="tr",
        title="Belediye sahil yolunda bisiklet şeridi açıyor",
        paragraphs=(
            "Büyükşehir belediyesi, sahil yolu boyunca on iki kilometrelik yeni bir bisiklet "
            "şeridinin yaz başında hizmete gireceğini açıkladı.",
            "Belediye başkanı, şeridin hem ulaşımı rahatlatacağını hem de şehrin turizmine "
            "katkı sağlayacağını söyledi ve çalışmaların planlandığı gibi ilerlediğini belirtti.",
            "Projenin maliyetinin yaklaşık kırk milyon lira olduğu, bunun önemli bir kısmının "
            "kalkınma ajansı tarafından karşılanacağı öğrenildi.",
            "Esnaf ise yol çalışmaları sırasında müşteri kaybından şikâyet ediyor.",
        ),
    ),
    EncodedPage(
        name="el-iso-8859-7",
        codec="iso8859_7",
        label="iso-8859-7",
        encoding="ISO-8859-7",
        language="el",
        undeclared="windows-1253",  # the same letters as ISO-8859-7, but for Ά
        title="Νέο σχολείο θα λειτουργήσει στο κέντρο της πόλης",
        paragraphs=(
            "Ο δήμος ανακοίνωσε ότι το νέο δημοτικό σχολείο στο κέντρο της πόλης θα ανοίξει τις "
            "πόρτες του τον Σεπτέμβριο, μετά από δύο χρόνια εργασιών.",
            "Το κτίριο θα φιλοξενεί περίπου τριακόσιους μαθητές και διαθέτει γυμναστήριο, "
            "βιβλιοθήκη και αίθουσα υπολογιστών.",
            "Ο δήμαρχος δήλωσε ότι το έργο χρηματοδοτήθηκε κυρίως από ευρωπαϊκά κονδύλια και "
            "ότι ολοκληρώθηκε χωρίς καθυστερήσεις.",
            "Οι γονείς της περιοχής υποδέχθηκαν με ικανοποίηση την είδηση.",
        ),
    ),
)

# The page issue 19 names: Latin-1 served without any declaration, which every browser
# shows as "Café … Zürich".
ZURICH = EncodedPage(
    name="de-latin1-zurich",
    codec="latin-1",
    label="iso-8859-1",
    encoding="windows-1252",
    language="de",
    title="Neues Café am Zürichsee eröffnet",
    paragraphs=(
        "Am Ufer des Zürichsees hat am Wochenende ein neues Café eröffnet, das vor allem "
        "Spezialitäten aus der Region anbietet.",
        "Das Café liegt nur wenige Gehminuten vom Bahnhof entfernt; in Zürich ist es das "
        "dritte Lokal der beiden Gründerinnen, die früher als Köchinnen gearbeitet haben.",
        "Auf der Karte stehen Rösti, Birchermüesli und hausgemachte Kuchen, dazu Kaffee von "
        "einer kleinen Rösterei aus dem Nachbarort.",
        "Geöffnet ist täglich ab sieben Uhr morgens; an schönen Tagen gibt es auch Plätze "
        "auf der Terrasse direkt am Wasser.",
    ),
)
