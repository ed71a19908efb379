"""The demo cases' words: facts, claims, parties, agreed terms, reasons and messages, drawn for
each kind of dispute (see the package's docstring)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from zhili.geo.models import Unit
from zhili.mediation.choices import (
    PartyRole,
)
from zhili.org.demo import SURNAMES
from zhili.org.models import User

if TYPE_CHECKING:
    from zhili.mediation.demo import _World

MALE = "伟强磊军洋勇杰涛明超刚华建国志平文斌辉鹏俊峰浩宇庆海荣德生成林"


def _money(value: float) -> str:
    """1650000 → "165万元", 3200 → "3200元"."""
    if value >= 10000 and value % 10000 == 0:
        return f"{int(value // 10000)}万元"
    if value >= 100000:
        return f"{value / 10000:.1f}万元".replace(".0万", "万")
    return f"{int(value)}元"


class _Stories:
    """Facts, claims, parties and the later texts (terms, reasons, messages) of one case."""

    def __init__(self, world: _World, village: Unit, *, applicant: User | None = None):
        self.w, self.rng, self.v = world, world.rng, village
        self.district, self.town = world._chain(village)
        self.applicant = applicant

    def _applicant(self) -> dict:
        user = self.applicant
        if user is None:
            return self.w._party(PartyRole.APPLICANT, self.v)
        from zhili.core.idnumber import is_valid

        idn = user.id_number if is_valid(user.id_number) else ""
        return {"role": PartyRole.APPLICANT, "name": user.display_name or user.get_username(),
                "gender": ("男" if int(idn[16]) % 2 else "女") if idn else "", "id_number": idn,
                "phone": user.phone, "address": self.w._address(self.v)}  # fmt: skip

    def _amount(self, low: float, high: float, step: int = 100) -> Decimal:
        value = self.rng.lognormvariate(0, 1)  # skewed: most small, a few large
        value = low + (high - low) * min(value / 6, 1.0)
        return Decimal(max(step, round(value / step) * step))

    def finish(self, story: dict) -> dict:
        """The texts of the later actions, added to a story of facts, claims and parties."""
        applicant, respondent = story["parties"][0]["name"], story["parties"][1]["name"]
        rng = self.rng
        money = story["amount"]
        if money is not None and "agreed_amount" not in story:
            agreed = Decimal(round(float(money) * rng.uniform(0.5, 0.95) / 100) * 100)
            story["agreed_amount"] = max(agreed, Decimal(100))
        story.setdefault("agreed_amount", None)
        if "terms" not in story:
            if story["agreed_amount"] is not None:
                pay = (f"{respondent}于协议签订之日起{rng.choice([7, 10, 15, 30])}日内向{applicant}"
                       f"一次性支付{_money(float(story['agreed_amount']))}。")  # fmt: skip
                if story["agreed_amount"] >= 20000 and rng.random() < 0.5:
                    pay = (f"{respondent}分{rng.choice(['两', '三'])}期向{applicant}支付"
                           f"共计{_money(float(story['agreed_amount']))}，首期于协议签订之日起10日内支付。")  # fmt: skip
                story["terms"] = [pay, *story.get("more_terms", [])]
            else:
                story["terms"] = list(
                    story.get("more_terms", [f"{respondent}与{applicant}按本协议约定履行。"])
                )
            story["terms"].append("双方就本纠纷再无其他争议，今后不得就此事再生纠纷。")
        story.setdefault(
            "performance",
            rng.choice(["银行转账", "微信转账", "现金当面交付并出具收条", "按约定期限分期履行"]),
        )
        story.setdefault(
            "accept",
            rng.choice(["属于人民调解受理范围，当事人自愿调解，予以受理。", "经审查符合受理条件，予以受理。",
                        "双方均同意调解，予以受理。"]),
        )  # fmt: skip
        story.setdefault(
            "decline",
            rng.choice([
                "该纠纷已由人民法院立案受理，依法不予受理，已告知申请人。",
                "被申请人明确表示不同意调解，已告知申请人可通过诉讼等途径解决。",
                "申请事项不属于人民调解受理范围，已引导至相关部门处理。",
            ]),
        )  # fmt: skip
        story.setdefault(
            "fail",
            rng.choice([
                "经三次调解，双方对赔偿数额分歧较大，未能达成一致，已告知当事人可依法向人民法院起诉。",
                f"{respondent}拒不参加调解，调解无法继续，终止调解。",
                "双方各执己见，调解不成，已告知其他救济途径。",
            ]),
        )  # fmt: skip
        story.setdefault(
            "withdraw",
            rng.choice(["双方已自行协商解决，申请人撤回调解申请。", "申请人决定直接向人民法院起诉，撤回调解申请。",
                        "申请人撤回调解申请。"]),
        )  # fmt: skip
        story["extend"] = "案情较复杂，经双方当事人同意，延长调解期限。"
        story["msg_lead"] = rng.choice([
            "您好，我是本案调解员，已与双方电话联系，将尽快安排面对面调解，请准备好相关证据材料。",
            "请双方准备好合同、收据、照片等相关材料，调解时一并带来。",
            "已约双方本周内到调解室面谈，具体时间另行电话通知。",
        ])  # fmt: skip
        story["msg_lead2"] = rng.choice([
            "上次调解双方已就主要事项基本达成共识，请各自再考虑一下具体方案。",
            "已查看现场并拍照留存，下次调解时结合现场情况再商议。",
        ])  # fmt: skip
        story["note"] = rng.choice([
            "申请人情绪较激动，调解时注意疏导；被申请人有一定赔偿意愿，可从分期履行角度切入。",
            "双方积怨较深，建议先背对背调解，分别做工作。",
            "已向村（居）委会了解情况，被申请人经济困难，赔偿数额需兼顾其履行能力。",
            "注意：双方曾发生肢体冲突，调解时请安排两名调解员在场。",
        ])  # fmt: skip
        story["msg_party"] = rng.choice(
            ["好的，我会准时参加。", "材料已经准备好了，谢谢调解员。", "希望尽快解决，谢谢。"]
        )
        story["meeting_place"] = rng.choice(
            [
                f"{self.v.name}{'居委会' if self.v.kind == 'community' else '村委会'}调解室",
                f"{self.town.name if self.town else ''}综治中心调解室",
            ]
        )
        return story

    # each returns {"facts", "claims", "amount", "parties", ["more_terms"]}

    def _two(self, firm: str = "") -> tuple[list[dict], str, str]:
        w = self.w
        a = self._applicant()
        b = w._party(PartyRole.RESPONDENT, self.v, firm=firm)
        parties = [a, b]
        if self.rng.random() < 0.12 and not firm:
            parties.append(w._party(PartyRole.THIRD, self.v))
        return parties, a["name"], b["name"]

    def neighbour(self) -> dict:
        parties, a, b = self._two()
        rng, v = self.rng, self.v.name
        pick = rng.randrange(5)
        if pick == 0:
            amount = self._amount(800, 15000)
            facts = (
                f"{a}与{b}系{v}上下楼邻居。{b}家卫生间防水层老化，长期渗水至{a}家天花板，"
                f"造成墙面霉变、吊顶脱落，维修费用约{_money(float(amount))}，双方多次协商未果。"
            )
            claims = f"请求{b}修复防水层，并赔偿维修费用{_money(float(amount))}。"
            more = [f"{b}于协议签订之日起15日内请专业人员修复卫生间防水层。"]
        elif pick == 1:
            amount = None
            facts = (
                f"{b}在自家房屋东侧加建围墙，占用{a}家门前通道约1米，致{a}家车辆无法通行，"
                "双方多次发生口角，矛盾有激化趋势。"
            )
            claims = f"请求{b}拆除占用通道部分的围墙，恢复通行。"
            more = [f"{b}于协议签订之日起20日内自行拆除占用通道部分的围墙，恢复原通道宽度。"]
        elif pick == 2:
            amount = self._amount(300, 6000)
            facts = (
                f"{b}饲养的犬只未拴养，多次窜入{a}家院内咬死鸡鸭，并咬伤{a}之子，"
                f"{a}为此支出医药费及损失共计{_money(float(amount))}。"
            )
            claims = f"请求{b}赔偿医药费及财产损失{_money(float(amount))}，并拴养犬只。"
            more = [f"{b}今后文明养犬，外出时拴绳牵引。"]
        elif pick == 3:
            amount = None
            facts = f"{b}在{v}经营的餐饮店油烟和噪声扰民，夜间营业至凌晨，严重影响{a}一家休息，双方多次争吵。"
            claims = f"请求{b}加装油烟净化设备并于22时前停止营业。"
            more = [f"{b}于30日内加装油烟净化设备，每日22时后不再进行室外经营。"]
        else:
            amount = self._amount(500, 8000)
            facts = f"{a}与{b}两家房屋相邻，{b}建房时将雨水管直接排向{a}家墙根，致墙体开裂、地基下沉。"
            claims = f"请求{b}改造排水管并赔偿墙体修复费用{_money(float(amount))}。"
            more = [f"{b}于协议签订之日起15日内将雨水管改向自家排水沟。"]
        return {"facts": facts, "claims": claims, "amount": amount, "parties": parties, "more_terms": more}

    def family(self) -> dict:
        parties, a, b = self._two()
        rng = self.rng
        pick = rng.randrange(4)
        if pick == 0:
            amount = self._amount(20000, 600000, 1000)
            facts = (
                f"{a}与{b}系夫妻，婚后因家庭琐事经常争吵，{b}长期在外务工，双方感情破裂，"
                f"就子女抚养及共同财产（约{_money(float(amount))}）分割产生分歧。"
            )
            claims = "请求调解离婚事宜，明确子女抚养权及抚养费，依法分割夫妻共同财产。"
            more = [
                f"婚生子女由{a}抚养，{b}每月支付抚养费{rng.choice([800, 1000, 1500, 2000])}元至子女年满十八周岁。"
            ]
            amount_out = None
        elif pick == 1:
            amount_out = None
            facts = (
                f"{a}年逾七旬，老伴已去世，育有三名子女。{b}等子女以各种理由拒绝承担赡养义务，"
                f"{a}患有慢性病，生活困难。"
            )
            claims = "请求子女每月支付赡养费，并轮流照料生活、分担医疗费用。"
            more = [
                f"{b}等三名子女每人每月向{a}支付赡养费{rng.choice([500, 600, 800])}元，医疗费凭票据平均分担。"
            ]
        elif pick == 2:
            amount_out = self._amount(50000, 900000, 1000)
            facts = f"{a}与{b}系兄妹，父亲去世后遗留房屋一套及存款，合计约{_money(float(amount_out))}，双方就遗产分配产生争议。"
            claims = "请求依法分割父亲遗产。"
            more = [f"父亲遗留房屋归{b}所有，{b}向{a}支付房屋折价款。"]
        else:
            amount_out = self._amount(3000, 40000)
            facts = (
                f"{a}与{b}离婚后，{b}未按离婚协议按时支付子女抚养费，累计拖欠{_money(float(amount_out))}。"
            )
            claims = f"请求{b}支付拖欠的抚养费{_money(float(amount_out))}，并按时支付今后的抚养费。"
            more = [f"{b}今后每月10日前按时支付抚养费。"]
        return {
            "facts": facts,
            "claims": claims,
            "amount": amount_out,
            "parties": parties,
            "more_terms": more,
        }

    def labour(self) -> dict:
        rng = self.rng
        pick = rng.randrange(5)
        if pick == 0:
            firm = self.w._firm(rng.choice(["建筑劳务有限公司", "装饰工程有限公司"]))
            parties, a, b = self._two(firm)
            workers = rng.randint(6, 40)
            months = rng.randint(2, 6)
            amount = Decimal(round(workers * months * rng.uniform(5500, 8500) / 1000) * 1000)
            facts = (
                f"{a}等{workers}名务工人员在{b}承接的{self.v.name}安置房项目从事泥水、钢筋等工作，"
                f"被拖欠{months}个月工资共计{_money(float(amount))}，多次讨要未果。"
            )
            claims = f"请求{b}支付拖欠的工资共计{_money(float(amount))}。"
            return {"facts": facts, "claims": claims, "amount": amount, "parties": parties,
                    "agreed_amount": amount}  # fmt: skip
        firm = self.w._firm(
            rng.choice(
                ["电子有限公司", "五金制品有限公司", "服装有限公司", "塑胶制品有限公司", "食品有限公司"]
            )
        )
        parties, a, b = self._two(firm)
        if pick in (1, 2):
            months = rng.randint(1, 4)
            amount = Decimal(round(months * rng.uniform(4500, 9000) / 100) * 100)
            job = rng.choice(["普工", "质检员", "叉车司机", "仓管员", "厨师"])
            facts = (
                f"{a}在{b}担任{job}，被拖欠{months}个月工资共计{_money(float(amount))}，离职后多次讨要未果。"
            )
            claims = f"请求{b}支付拖欠的工资{_money(float(amount))}。"
            return {
                "facts": facts,
                "claims": claims,
                "amount": amount,
                "parties": parties,
                "agreed_amount": amount,
            }
        if pick == 3:
            years = rng.randint(2, 12)
            amount = Decimal(round(years * rng.uniform(5000, 8000) / 100) * 100)
            facts = f"{a}在{b}工作{years}年，公司以经营调整为由解除劳动合同，未支付经济补偿金{_money(float(amount))}。"
            claims = f"请求{b}支付解除劳动合同经济补偿金{_money(float(amount))}。"
        else:
            amount = self._amount(30000, 150000, 1000)
            facts = (
                f"{a}在{b}上班期间操作冲压机时右手受伤，经鉴定为十级伤残。{b}未为其缴纳工伤保险，"
                "双方就工伤待遇数额协商未果。"
            )
            claims = f"请求{b}支付一次性伤残补助金、停工留薪期工资等共计{_money(float(amount))}。"
        return {"facts": facts, "claims": claims, "amount": amount, "parties": parties}

    def property_management(self) -> dict:
        rng = self.rng
        firm = self.w._firm("物业服务有限公司")
        if rng.random() < 0.5:
            owner = self.w._party(PartyRole.RESPONDENT, self.v)
            company = self.w._party(PartyRole.APPLICANT, self.v, firm=firm)
            amount = self._amount(1500, 15000)
            facts = (
                f"业主{owner['name']}认为{firm}服务不到位（电梯频繁故障、公共区域卫生差），"
                f"自前年起拒交物业费，累计欠费{_money(float(amount))}。"
            )
            claims = f"请求{owner['name']}缴纳拖欠的物业费{_money(float(amount))}。"
            more = [f"{firm}于一个月内完成电梯维修并公示维保记录。"]
            return {"facts": facts, "claims": claims, "amount": amount, "parties": [company, owner],
                    "more_terms": more, "agreed_amount": Decimal(round(float(amount) * 0.8 / 100) * 100)}  # fmt: skip
        parties, a, b = self._two(firm)
        amount = self._amount(2000, 30000)
        what = rng.choice(
            ["地下车库积水致其停放的车辆被淹", "高空坠物砸坏其停放在小区内的车辆", "小区门禁失效致其家中被盗"]
        )
        facts = f"{a}称{what}，认为{b}管理不善应承担赔偿责任，损失约{_money(float(amount))}，双方协商未果。"
        claims = f"请求{b}赔偿损失{_money(float(amount))}。"
        return {"facts": facts, "claims": claims, "amount": amount, "parties": parties}

    def traffic(self) -> dict:
        parties, a, b = self._two()
        rng = self.rng
        if rng.random() < 0.6:
            amount = self._amount(8000, 300000, 1000)
            hurt = rng.choice(["左腿骨折", "锁骨骨折", "头部受伤", "多处软组织挫伤"])
            facts = (
                f"{b}驾驶小型轿车途经{self.v.name}路段时，与{a}驾驶的电动自行车发生碰撞，致{a}{hurt}。"
                f"交警部门认定{b}负事故主要责任，双方就赔偿数额未能达成一致。"
            )
            claims = f"请求{b}及其投保的保险公司赔偿医疗费、误工费、护理费等共计{_money(float(amount))}。"
        else:
            amount = self._amount(1500, 20000)
            facts = f"{a}驾驶的小型轿车在{self.v.name}路口等候信号灯时被{b}驾驶的货车追尾，车辆尾部受损。"
            claims = f"请求{b}赔偿车辆维修费及停运损失{_money(float(amount))}。"
        return {"facts": facts, "claims": claims, "amount": amount, "parties": parties}

    def consumer(self) -> dict:
        rng = self.rng
        pick = rng.randrange(3)
        if pick == 0:
            item = rng.choice(["空调", "冰箱", "洗衣机", "电动自行车", "手机"])
            firm = self.w._firm("家电商行") if item != "手机" else self.w._firm("通讯器材店")
            parties, a, b = self._two(firm)
            amount = self._amount(800, 9000)
            facts = f"{a}在{b}购买的{item}使用不到一个月即出现质量问题，多次维修未果，商家拒绝退换。"
            claims = f"请求{b}退货并退还货款{_money(float(amount))}。"
        elif pick == 1:
            firm = self.w._firm(rng.choice(["健身会所", "美容美发店", "教育培训中心"]))
            parties, a, b = self._two(firm)
            amount = self._amount(1000, 20000)
            facts = (
                f"{a}在{b}办理预付卡，充值{_money(float(amount))}，后商家停业装修、长期未恢复营业，拒绝退款。"
            )
            claims = f"请求{b}退还预付卡余额{_money(float(amount))}。"
        else:
            firm = self.w._firm("装饰工程有限公司")
            parties, a, b = self._two(firm)
            amount = self._amount(5000, 80000)
            facts = f"{a}将住房交由{b}装修，入住后发现墙面开裂、地砖空鼓、卫生间漏水，要求返工遭拒。"
            claims = f"请求{b}返工维修或赔偿损失{_money(float(amount))}。"
        return {"facts": facts, "claims": claims, "amount": amount, "parties": parties}

    def land(self) -> dict:
        rng = self.rng
        if rng.random() < 0.3:
            group = f"{self.v.name}第{rng.randint(1, 9)}村民小组"
            parties, a, b = self._two(group)
            amount = self._amount(8000, 200000)
            facts = f"{b}分配土地征收补偿款时，以{a}户口迁出为由未分给其份额，{a}认为少分{_money(float(amount))}。"
            claims = f"请求{b}按人头平均分配，补发征地补偿款{_money(float(amount))}。"
            return {"facts": facts, "claims": claims, "amount": amount, "parties": parties}
        parties, a, b = self._two()
        amount = None
        if rng.random() < 0.5:
            facts = f"{a}与{b}两户承包地相邻，{b}耕作时越界种植，侵占{a}承包地约{rng.choice(['0.2', '0.3', '0.5'])}亩。"
            claims = f"请求{b}退还侵占的承包地，恢复原界址。"
            more = ["双方在村干部见证下重新确认承包地界址，并埋设界桩。"]
        else:
            facts = f"{a}与{b}宅基地相邻，{b}翻建房屋时地基越过原界址，双方就宅基地界线发生争执。"
            claims = f"请求{b}按原界址建房，拆除越界部分。"
            more = [f"{b}在原界址内建房，越界部分于30日内自行拆除。"]
        return {"facts": facts, "claims": claims, "amount": amount, "parties": parties, "more_terms": more}

    def medical(self) -> dict:
        rng = self.rng
        city = self.w.city.name
        district = self.district.name if self.district else city
        hospital = rng.choice(
            [f"{city}第{rng.choice('一二三')}人民医院", f"{district}人民医院", f"{district}中医院"]
        )
        parties, a, b = self._two(hospital)
        amount = self._amount(20000, 800000, 1000)
        who = rng.choice(["父亲", "母亲", "妻子", "丈夫"])
        what = rng.choice(
            [
                "阑尾切除术后切口感染",
                "骨折内固定术后出现神经损伤",
                "分娩过程中新生儿受伤",
                "胆囊切除术后出血转院",
            ]
        )
        facts = f"{a}的{who}在{b}住院治疗，{what}，{a}认为医院存在诊疗过错，双方就赔偿问题协商未果。"
        claims = f"请求{b}赔偿医疗费、护理费、误工费等损失共计{_money(float(amount))}。"
        return {"facts": facts, "claims": claims, "amount": amount, "parties": parties}

    def financial(self) -> dict:
        rng = self.rng
        district = self.district.name if self.district else self.w.city.name
        bank = rng.choice(["中国工商银行", "中国农业银行", "中国建设银行", "中国银行", "中国邮政储蓄银行"])
        parties, a, b = self._two(f"{bank}股份有限公司{district}支行")
        amount = self._amount(20000, 2000000, 1000)
        if rng.random() < 0.5:
            facts = f"{a}在{b}办理个人经营贷款{_money(float(amount))}，因经营困难逾期，双方就还款计划及罚息减免协商未果。"
            claims = "请求重新约定分期还款计划，减免部分罚息。"
            more = [f"{a}按重新约定的分期计划还款，{b}减免逾期罚息。"]
            return {"facts": facts, "claims": claims, "amount": amount, "parties": parties,
                    "agreed_amount": None, "more_terms": more}  # fmt: skip
        facts = (
            f"{a}经{b}理财经理推荐购买理财产品{_money(float(amount))}，到期亏损，{a}认为银行未充分揭示风险。"
        )
        claims = f"请求{b}赔偿本金损失{_money(float(amount) * 0.2)}。"
        return {"facts": facts, "claims": claims, "amount": Decimal(round(float(amount) * 0.2 / 100) * 100),
                "parties": parties}  # fmt: skip

    def other(self) -> dict:
        parties, a, b = self._two()
        rng = self.rng
        pick = rng.randrange(3)
        if pick == 0:
            months = rng.randint(2, 8)
            amount = Decimal(months * rng.choice([800, 1200, 1500, 2000, 2800]))
            facts = (
                f"{a}将自有房屋出租给{b}，{b}拖欠房租{months}个月共计{_money(float(amount))}，且拒不搬离。"
            )
            claims = f"请求{b}支付拖欠的房租{_money(float(amount))}并腾退房屋。"
            more = [f"{b}于协议签订之日起30日内腾退房屋。"]
        elif pick == 1:
            amount = self._amount(5000, 200000, 1000)
            facts = (
                f"{a}借给{b}{_money(float(amount))}用于做生意，约定一年内归还，到期后{b}以各种理由拖延不还。"
            )
            claims = f"请求{b}归还借款{_money(float(amount))}。"
            more = []
        else:
            amount = self._amount(10000, 300000, 1000)
            facts = f"{a}与{b}合伙经营的养殖场解散后，双方就合伙财产及债务分担产生争议。"
            claims = "请求依法分割合伙财产，明确债务分担。"
            more = ["合伙期间的对外债务由双方各承担一半。"]
        return {"facts": facts, "claims": claims, "amount": amount, "parties": parties, "more_terms": more}

    # the two cases the demo is shown with

    def wages(self) -> dict:
        w = self.w
        firm = w._firm("建筑劳务有限公司")
        general = w._firm("建设集团有限公司")
        rep = w._party(PartyRole.APPLICANT, self.v)
        parties = [
            rep,
            w._party(PartyRole.RESPONDENT, self.v, firm=firm),
            w._party(PartyRole.THIRD, self.v, firm=general),
        ]
        a = rep["name"]
        facts = (f"申请人{a}等35名务工人员在被申请人{firm}分包的{self.v.name}旧村改造安置房项目从事钢筋、木工、"
                 f"泥水等工作。35名务工人员被拖欠四个月工资共165万元，多次向{firm}讨要未果。"
                 f"该项目总承包单位为{general}。")  # fmt: skip
        claims = f"请求{firm}支付拖欠的35名务工人员工资共计165万元，{general}承担先行清偿责任。"
        terms = [
            f"{firm}于协议签订之日起10日内支付拖欠工资100万元，余款65万元于协议签订之日起40日内付清。",
            f"{general}对上述工资承担先行清偿责任，{firm}逾期未付的，由{general}从应付工程款中直接代付。",
            f"工资通过银行转账直接发放至35名务工人员本人账户，发放名册由{a}核对签字后报调解中心备案。",
            "双方就本纠纷再无其他争议，今后不得就此事再生纠纷。",
        ]
        return {"facts": facts, "claims": claims, "amount": Decimal(1650000), "parties": parties,
                "terms": terms, "agreed_amount": Decimal(1650000),
                "performance": f"按期银行转账，{general}监督发放"}  # fmt: skip

    def death(self) -> dict:
        w, rng = self.w, self.rng
        firm = w._firm("建筑工程有限公司")
        widow = w._party(PartyRole.APPLICANT, self.v)
        father = w._party(PartyRole.APPLICANT, self.v)
        company = w._party(PartyRole.RESPONDENT, self.v, firm=firm)
        dead = rng.choice(SURNAMES) + rng.choice(MALE) + rng.choice(MALE)
        facts = (f"申请人{widow['name']}之配偶{dead}在被申请人{firm}承建的{self.v.name}厂房项目从事高处作业时，"
                 "从脚手架坠落，经抢救无效死亡。被申请人未为其缴纳工伤保险，双方就工亡赔偿协商未果。")  # fmt: skip
        claims = f"请求{firm}支付一次性工亡补助金、丧葬补助金、供养亲属抚恤金等共计128万元。"
        terms = [
            f"{firm}一次性向申请人支付工亡补助金、丧葬补助金、供养亲属抚恤金等共计115万元。",
            f"上述款项于协议签订之日起15日内支付至{widow['name']}的银行账户。",
            "申请人领取上述款项后，不再就此事向被申请人主张其他任何权利。",
            "双方就本纠纷再无其他争议，今后不得就此事再生纠纷。",
        ]
        return {"facts": facts, "claims": claims, "amount": Decimal(1280000), "parties": [widow, father, company],
                "terms": terms, "agreed_amount": Decimal(1150000), "performance": "银行转账一次性支付"}  # fmt: skip
