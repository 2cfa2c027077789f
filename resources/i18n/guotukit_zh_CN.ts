<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>GuotuKit</name>
    <message>
        <source> (layer «{0}» is empty: nothing was excluded or checked by it)</source>
        <translation>（图层「{0}」为空：未据此排除或检查任何图斑）</translation>
    </message>
    <message>
        <source>(no template found)</source>
        <translation>（未找到模板）</translation>
    </message>
    <message>
        <source>({0} features left out)</source>
        <translation>（{0} 个要素未计入）</translation>
    </message>
    <message>
        <source>({0} invalid features skipped)</source>
        <translation>（已跳过 {0} 个无效要素）</translation>
    </message>
    <message>
        <source>A parcel at least this share inside an exclusion layer is excluded (a parcel is never split). 0: any overlap excludes.</source>
        <translation>图斑落入排除图层的面积比例达到此值即被排除（图斑不拆分）。0：有任何重叠即排除。</translation>
    </message>
    <message>
        <source>A parcel field that marks parcels to leave out (any value but empty, 0, 否, N, false).</source>
        <translation>标记需排除图斑的图斑字段（除空值、0、否、N、false 以外的任何值均表示排除）。</translation>
    </message>
    <message>
        <source>A parcel inside an exclusion layer still takes part when the rule profile passes its planned class there (e.g. forest staying forest in 生态保护红线 一般控制区).</source>
        <translation>排除图层内的图斑，若规则方案对其规划地类判定为“通过”，仍参与划定（如生态保护红线一般控制区内保持林地）。</translation>
    </message>
    <message>
        <source>A template file of your own (e.g. a province's layout); overrides the choice above. Copy a shipped template to start.</source>
        <translation>自定义模板文件（如本省版式），优先于上面的选择。可复制内置模板后修改。</translation>
    </message>
    <message>
        <source>A 规划用地 layer: each parcel takes the planned class that covers the largest share of it.</source>
        <translation>规划用地图层：每个图斑取覆盖其面积最大的规划地类。</translation>
    </message>
    <message>
        <source>About GuotuKit / check dependencies</source>
        <translation>关于 GuotuKit / 检查依赖</translation>
    </message>
    <message>
        <source>Add the finance view (资金测算)</source>
        <translation>增加资金测算（算大账）</translation>
    </message>
    <message>
        <source>Add the result layers to the project</source>
        <translation>将结果图层添加到工程</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>All Python dependencies are available.</source>
        <translation>所需的 Python 依赖均已安装。</translation>
    </message>
    <message>
        <source>Any other control layers (历史文化保护线, 洪涝风险控制线, 自然保护地核心保护区, 地质灾害风险区 ...).</source>
        <translation>其他任意控制线图层（历史文化保护线、洪涝风险控制线、自然保护地核心保护区、地质灾害风险区等）。</translation>
    </message>
    <message>
        <source>Approval-ready workbook: 审查结论汇总, 审查结论, 控制线内地类, 冲突明细, 适用规则, 数据说明.</source>
        <translation>可直接用于报批的工作簿：审查结论汇总、审查结论、控制线内地类、冲突明细、适用规则、数据说明。</translation>
    </message>
    <message>
        <source>Approval-ready workbook: 用地结构调整表, 转换矩阵, 分区统计, 资金测算, 待细分与未识别, 数据说明.</source>
        <translation>报批用工作簿：用地结构调整表、转换矩阵、分区统计、资金测算、待细分与未识别、数据说明。</translation>
    </message>
    <message>
        <source>Area (ha)</source>
        <translation>面积（公顷）</translation>
    </message>
    <message>
        <source>Area basis</source>
        <translation>面积口径</translation>
    </message>
    <message>
        <source>Area basis for the summary</source>
        <translation>汇总面积口径</translation>
    </message>
    <message>
        <source>Area field (m²)</source>
        <translation>面积字段（平方米）</translation>
    </message>
    <message>
        <source>Area field (m², with 田坎)</source>
        <translation>面积字段（平方米，含田坎）</translation>
    </message>
    <message>
        <source>Area field in m² (e.g. TBMJ or TBDLMJ), used when the area basis is 'attribute field'.</source>
        <translation>以平方米计的面积字段（如 TBMJ 或 TBDLMJ），面积口径为“属性字段”时使用。</translation>
    </message>
    <message>
        <source>Area field of the plan in m² for the attribute basis. Not given: the plan's areas are computed on the ellipsoid, and the report says so.</source>
        <translation>规划图层的面积字段（平方米），用于属性面积口径。不填则按椭球面积计算规划图斑面积，并在报告中注明。</translation>
    </message>
    <message>
        <source>Area of each parcel in m² including 田坎 (TBMJ), for the attribute basis.</source>
        <translation>各图斑含田坎的面积（平方米，TBMJ），用于属性字段面积口径。</translation>
    </message>
    <message>
        <source>Area of each survey parcel in m² including 田坎 (TBMJ), for the attribute basis.</source>
        <translation>各调查图斑含田坎的面积（平方米，TBMJ），用于属性字段面积口径。</translation>
    </message>
    <message>
        <source>Area of the land class in m² for the attribute basis: TBDLMJ (net of 田坎). A field named TBMJ is taken as the gross area including 田坎.</source>
        <translation>属性面积口径下地类面积字段（平方米）：TBDLMJ（已扣除田坎）。字段名为 TBMJ 时视为含田坎的图斑面积。</translation>
    </message>
    <message>
        <source>Area only one vintage covers (ha)</source>
        <translation>仅一期覆盖的面积（公顷）</translation>
    </message>
    <message>
        <source>Area unit</source>
        <translation>面积单位</translation>
    </message>
    <message>
        <source>Areas and geometry</source>
        <translation>面积与几何</translation>
    </message>
    <message>
        <source>Areas: {0}.</source>
        <translation>面积：{0}。</translation>
    </message>
    <message>
        <source>Asset package delineation</source>
        <translation>资产包划定</translation>
    </message>
    <message>
        <source>Asset packages</source>
        <translation>资产包</translation>
    </message>
    <message>
        <source>Asset packages (seed {0})</source>
        <translation>资产包（种子 {0}）</translation>
    </message>
    <message>
        <source>Attribute</source>
        <translation>指标属性</translation>
    </message>
    <message>
        <source>Attribute field</source>
        <translation>属性字段</translation>
    </message>
    <message>
        <source>Balance (万元)</source>
        <translation>资金平衡（万元）</translation>
    </message>
    <message>
        <source>Base and target parcels whose code maps 1:n (待细分).</source>
        <translation>代码为 1:n 对应（待细分）的基期与目标年图斑数。</translation>
    </message>
    <message>
        <source>Base and target totals should be equal (the same territory); a larger difference is reported as a warning.</source>
        <translation>基期与目标年合计应相等（同一行政范围）；差异超过此值时给出警告。</translation>
    </message>
    <message>
        <source>Base area</source>
        <translation>基期面积</translation>
    </message>
    <message>
        <source>Base area field (m²)</source>
        <translation>基期面积字段（平方米）</translation>
    </message>
    <message>
        <source>Base classification</source>
        <translation>基期分类体系</translation>
    </message>
    <message>
        <source>Base land-use code field</source>
        <translation>基期地类代码字段</translation>
    </message>
    <message>
        <source>Base total</source>
        <translation>基期合计</translation>
    </message>
    <message>
        <source>Base total {0} {2}, target total {1} {2}; {3} parcels 待细分, {4} with unknown codes — {5:.1f} s</source>
        <translation>基期合计 {0} {2}，目标年合计 {1} {2}；待细分图斑 {3} 个，代码未识别 {4} 个 — {5:.1f} 秒</translation>
    </message>
    <message>
        <source>Base total {0}, target total {1} {2} ({3:.1f} s).</source>
        <translation>基期合计 {0}，目标年合计 {1} {2}（{3:.1f} 秒）。</translation>
    </message>
    <message>
        <source>Base year</source>
        <translation>基期年</translation>
    </message>
    <message>
        <source>Base 城镇村 field</source>
        <translation>基期城镇村字段</translation>
    </message>
    <message>
        <source>Base-year land use: 三调 or 年度变更调查 DLTB, or a base layer already in 用地用海 codes.</source>
        <translation>基期土地利用现状：三调或年度变更调查 DLTB，或已是用地用海代码的基期图层。</translation>
    </message>
    <message>
        <source>Base-year layer (DLTB)</source>
        <translation>基期图层（DLTB）</translation>
    </message>
    <message>
        <source>Boundary zone field</source>
        <translation>开发边界分区字段</translation>
    </message>
    <message>
        <source>Builds the 用地结构调整表: base-year (三调/变更调查, converted to 用地用海2023 through the crosswalk) and target-year (plan) area per template row, with shares, change and change rate; 城乡建设用地 is split into 城镇用地 and 村庄用地 by the 城镇村 field or the documented class rule. Areas are summed in m², converted, rounded half-up and balanced so that rows add up to the total. Optional: one table per region, the from→to transition matrix (an overlay of the two layers), the finance view (cost, revenue, balance) and an approval-ready Excel workbook. Table layouts are data files: a province's variant is another template.</source>
        <translation>生成用地结构调整表：基期（三调/变更调查，经衔接表转换为用地用海2023）与目标年（规划）各模板行的面积、比重、增减与增减率；城乡建设用地按城镇村字段或文档中的地类规则分为城镇用地与村庄用地。面积先以平方米求和，再换算单位、四舍五入并尾差调平，使各行之和等于合计。可选：分区统计、由叠加分析得到的转换矩阵、资金测算（成本、收益、平衡）以及报批用 Excel 工作簿。表格版式为数据文件：各省版式只是另一个模板。</translation>
    </message>
    <message>
        <source>Built-in EXAMPLE unit values (replace them with local prices)</source>
        <translation>内置示例单价（请替换为本地价格）</translation>
    </message>
    <message>
        <source>Built-in national default (全国默认)</source>
        <translation>内置全国默认方案</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelled: nothing was written (取消：未写出任何结果).</source>
        <translation>已取消：未写出任何结果。</translation>
    </message>
    <message>
        <source>Cancelled: nothing was written.</source>
        <translation>已取消：未写出任何结果。</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>增减</translation>
    </message>
    <message>
        <source>Change category rules (CSV or xlsx)</source>
        <translation>变化类别规则（CSV 或 xlsx）</translation>
    </message>
    <message>
        <source>Change detection</source>
        <translation>变化图斑分析</translation>
    </message>
    <message>
        <source>Change detection between two survey vintages</source>
        <translation>两期调查变化图斑分析</translation>
    </message>
    <message>
        <source>Change piece</source>
        <translation>变化图斑编号</translation>
    </message>
    <message>
        <source>Change pieces</source>
        <translation>变化图斑</translation>
    </message>
    <message>
        <source>Change pieces listed</source>
        <translation>列出的变化图斑数</translation>
    </message>
    <message>
        <source>Change rate (%)</source>
        <translation>增减率（%）</translation>
    </message>
    <message>
        <source>Changed pieces in the change layer.</source>
        <translation>变化图斑图层中的变化图斑数。</translation>
    </message>
    <message>
        <source>Changed pieces smaller than this (boundary slivers between vintages) stay in the totals and the matrix but are not listed as change pieces or suspected problems; the report counts them.</source>
        <translation>小于该面积的变化碎块（两期之间的边界碎块）仍计入合计和流向矩阵，但不列为变化图斑或疑似问题图斑；报告中统计其数量。</translation>
    </message>
    <message>
        <source>Check for overlapping parcels</source>
        <translation>检查图斑重叠</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <source>Checks packages drawn or edited by hand — a package id field on the parcels, or package polygons (a parcel belongs to the polygon covering most of it) — against every constraint of 划定资产包: contiguity, area, public share, balance, revenue/cost ratio, ownership units, excluded parcels and unit walls, with each figure and pass/fail, so a planner can adjust boundaries in QGIS and check again.</source>
        <translation>校核手工绘制或编辑的资产包——可以是图斑上的资产包编号字段，也可以是资产包多边形（图斑归属覆盖其大部分面积的多边形）——逐项对照划定资产包的全部约束：连通性、面积、公益性用地比例、资金平衡、收益成本比、权属单位、排除图斑和单元边界，给出每项数值及是否通过，便于规划人员在 QGIS 中调整边界后再次校核。</translation>
    </message>
    <message>
        <source>Choose at least one control layer (永久基本农田, 生态保护红线, 城镇开发边界 or another).</source>
        <translation>请至少选择一个控制线图层（永久基本农田、生态保护红线、城镇开发边界或其他控制线）。</translation>
    </message>
    <message>
        <source>Choose the base-year land-use layer (DLTB).</source>
        <translation>请选择基期土地利用现状图层（DLTB）。</translation>
    </message>
    <message>
        <source>Choose the earlier and the later vintage (DLTB).</source>
        <translation>请选择前期和后期地类图斑图层（DLTB）。</translation>
    </message>
    <message>
        <source>Choose the layers and compute the table.</source>
        <translation>请选择图层并计算结构表。</translation>
    </message>
    <message>
        <source>Choose the layers and run the check.</source>
        <translation>请选择图层，然后运行检查。</translation>
    </message>
    <message>
        <source>Choose the layers and the constraints, then delineate the packages.</source>
        <translation>选择图层和约束条件，然后划定资产包。</translation>
    </message>
    <message>
        <source>Choose the package id field on the parcels or a layer of package polygons.</source>
        <translation>请选择图斑上的资产包编号字段，或资产包多边形图层。</translation>
    </message>
    <message>
        <source>Choose the parcels layer (DLTB).</source>
        <translation>请选择图斑图层（DLTB）。</translation>
    </message>
    <message>
        <source>Choose the planned code field of the plan layer «{0}».</source>
        <translation>请选择规划图层«{0}»的规划地类编码字段。</translation>
    </message>
    <message>
        <source>Choose the region name field of layer «{0}» (e.g. XZQMC).</source>
        <translation>请选择图层 «{0}» 的分区名称字段（如 XZQMC）。</translation>
    </message>
    <message>
        <source>Choose the subject layer (plan or project parcels).</source>
        <translation>请选择审查对象图层（规划或项目用地图斑）。</translation>
    </message>
    <message>
        <source>Choose the target-year plan layer (e.g. GHYD).</source>
        <translation>请选择目标年规划图层（如 GHYD）。</translation>
    </message>
    <message>
        <source>Choose the two vintages and compare them.</source>
        <translation>请选择两期地类图斑，然后进行对比分析。</translation>
    </message>
    <message>
        <source>Classification</source>
        <translation>分类编码</translation>
    </message>
    <message>
        <source>Classification of the base codes; 三调 and 2020 codes are converted to 用地用海2023 (1:n codes go to the default target and are listed as 待细分).</source>
        <translation>基期代码所属分类体系；三调与 2020 版代码转换为用地用海2023（1:n 代码取默认目标并列为待细分）。</translation>
    </message>
    <message>
        <source>Classification of the codes (三调 or 用地用海).</source>
        <translation>地类编码所属的分类体系（三调或用地用海）。</translation>
    </message>
    <message>
        <source>Classification of the codes (三调 or 用地用海); 农用地/建设用地/未利用地 come from its table.</source>
        <translation>地类编码所属的分类体系（三调或用地用海）；农用地/建设用地/未利用地按该体系的归类表确定。</translation>
    </message>
    <message>
        <source>Classification of the codes. Two vintages in the same classification (三调 or 用地用海2023) are compared in it; otherwise both are converted to 用地用海2023 through the crosswalk.</source>
        <translation>地类编码所属的分类体系。两期分类体系相同（三调或用地用海2023）时按该体系对比；否则两期均经衔接对照表转换为用地用海2023后对比。</translation>
    </message>
    <message>
        <source>Classification of the current codes; 三调 and 2020 codes are converted to 用地用海2023 (1:n codes to the default target).</source>
        <translation>现状地类编码的分类；三调和 2020 版编码转换为用地用海2023（一对多的编码转换为默认目标地类）。</translation>
    </message>
    <message>
        <source>Classification of the planned codes; 2020 codes are upgraded to 2023.</source>
        <translation>规划地类编码的分类；2020 版编码升级为 2023 版。</translation>
    </message>
    <message>
        <source>Classification of the subject codes; 三调 and 2020 codes are converted to 用地用海2023 first.</source>
        <translation>审查对象地类编码所属的分类体系；三调编码和 2020 版编码会先转换为用地用海2023。</translation>
    </message>
    <message>
        <source>Classification of the target codes; 2020 codes are upgraded to 2023.</source>
        <translation>目标年代码所属分类体系；2020 版代码升级为 2023 版。</translation>
    </message>
    <message>
        <source>Classification the codes are in. Say it explicitly: eight codes (0204, 0602, 060102, 1311, 1312, 2202, 2302, 2303) mean different classes in 用地用海2020 and 2023.</source>
        <translation>编码所属的分类体系，请明确选择：有 8 个编码（0204、0602、060102、1311、1312、2202、2302、2303）在用地用海2020 与 2023 中含义不同。</translation>
    </message>
    <message>
        <source>Classification to convert to (用地用海2023 by default).</source>
        <translation>转换后的目标分类体系（默认为用地用海2023）。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Code field</source>
        <translation>地类编码字段</translation>
    </message>
    <message>
        <source>Code mapping table (CSV)</source>
        <translation>代码对照表（CSV）</translation>
    </message>
    <message>
        <source>Code table</source>
        <translation>代码表</translation>
    </message>
    <message>
        <source>Codes not found in {0}: {1}. They are kept in the output with ZH_BZ set.</source>
        <translation>以下编码在 {0} 中不存在：{1}。这些图斑仍保留在输出中，并已填写 ZH_BZ 标记。</translation>
    </message>
    <message>
        <source>Compactness</source>
        <translation>紧凑度</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>对比分析</translation>
    </message>
    <message>
        <source>Comparing the vintages…</source>
        <translation>正在对比两期数据…</translation>
    </message>
    <message>
        <source>Compliance</source>
        <translation>合规性检查</translation>
    </message>
    <message>
        <source>Compliance check</source>
        <translation>合规性检查</translation>
    </message>
    <message>
        <source>Compliance check (合规性检查)</source>
        <translation>合规性检查</translation>
    </message>
    <message>
        <source>Compliance check against control lines</source>
        <translation>合规性检查（三区三线）</translation>
    </message>
    <message>
        <source>Compliance conflicts</source>
        <translation>合规性冲突图斑</translation>
    </message>
    <message>
        <source>Compliance verdicts</source>
        <translation>合规性审查结论</translation>
    </message>
    <message>
        <source>Compute table</source>
        <translation>计算结构表</translation>
    </message>
    <message>
        <source>Compute the indicators</source>
        <translation>计算指标</translation>
    </message>
    <message>
        <source>Compute the transition matrix</source>
        <translation>计算转换矩阵</translation>
    </message>
    <message>
        <source>Computing the table…</source>
        <translation>正在计算结构表……</translation>
    </message>
    <message>
        <source>Condition layers (listed only)</source>
        <translation>条件图层（仅列出）</translation>
    </message>
    <message>
        <source>Conflict pieces</source>
        <translation>冲突图斑数</translation>
    </message>
    <message>
        <source>Conflicts</source>
        <translation>冲突图斑</translation>
    </message>
    <message>
        <source>Constraints</source>
        <translation>约束条件</translation>
    </message>
    <message>
        <source>Control layer «{0}» is empty or has no usable polygon: {1} reported as 未检查 (not checked).</source>
        <translation>控制线图层「{0}」为空或没有可用的面图形：{1} 记为未检查。</translation>
    </message>
    <message>
        <source>Control line</source>
        <translation>控制线</translation>
    </message>
    <message>
        <source>Control lines</source>
        <translation>控制线</translation>
    </message>
    <message>
        <source>Conversion summary</source>
        <translation>转换汇总表</translation>
    </message>
    <message>
        <source>Convert land-use codes</source>
        <translation>转换地类编码</translation>
    </message>
    <message>
        <source>Converted layer</source>
        <translation>转换结果图层</translation>
    </message>
    <message>
        <source>Converting {0} features from {1} to {2}.</source>
        <translation>正在将 {0} 个图斑从 {1} 转换为 {2}。</translation>
    </message>
    <message>
        <source>Converts the land-use code of every feature from one classification to another: 三调工作分类 → 用地用海2023 through the crosswalk (1:1 rows convert; 1:n rows take the default target and are flagged 待细分), 用地用海2020 → 2023 through the upgrade map, and back to 2020. Codes are normalised as text (101 → 0101, 0201k → 0201K). Unknown and blank codes are kept, flagged 未识别 / 空值, counted and listed in the summary — never dropped.</source>
        <translation>将每个图斑的地类编码从一种分类体系转换为另一种：三调工作分类 → 用地用海2023 按衔接对照表转换（1:1 的直接转换；1:n 的取默认目标地类并标记为“待细分”），用地用海2020 → 2023 按升级对照表转换，也可转回 2020 版。编码统一按文本规范化（101 → 0101，0201k → 0201K）。未识别编码和空编码予以保留，标记为“未识别”/“空值”，并在汇总表中计数列出，绝不丢弃。</translation>
    </message>
    <message>
        <source>Cost of preparing land by current class and revenue of planned land by class (万元/公顷), with 公益性/经营性. Not given: data/finance/finance_example.csv, whose values are EXAMPLES to replace with local prices.</source>
        <translation>按现状地类计的土地整备成本和按规划地类计的土地收益（万元/公顷），并标明公益性/经营性。未指定时使用 data/finance/finance_example.csv，其中数值仅为示例，应替换为当地价格。</translation>
    </message>
    <message>
        <source>Cost of the land that changes use, revenue of what it becomes, and the balance, from the finance table.</source>
        <translation>用途改变土地的成本、改变后用途的收益及资金平衡，按资金测算单价表计算。</translation>
    </message>
    <message>
        <source>Could not move the results into place: {0}. Nothing was replaced.</source>
        <translation>无法将结果移动到目标位置：{0}。原有文件均未被替换。</translation>
    </message>
    <message>
        <source>Could not write the Excel report {0}: {1}</source>
        <translation>无法写出 Excel 报表 {0}：{1}</translation>
    </message>
    <message>
        <source>County or area name</source>
        <translation>县（市、区）或区域名称</translation>
    </message>
    <message>
        <source>Current</source>
        <translation>现状值</translation>
    </message>
    <message>
        <source>Current classification</source>
        <translation>现状地类分类</translation>
    </message>
    <message>
        <source>Current land use (DLBM). It prices the cost of preparing the land. Codes are text; 101 is read as 0101.</source>
        <translation>现状地类（DLBM），用于测算土地整备成本。编码为文本，101 按 0101 读取。</translation>
    </message>
    <message>
        <source>Current land use (DLTB)</source>
        <translation>现状地类图斑（DLTB）</translation>
    </message>
    <message>
        <source>Current land use (base year)</source>
        <translation>土地利用现状（基期）</translation>
    </message>
    <message>
        <source>Current land-use code field</source>
        <translation>现状地类编码字段</translation>
    </message>
    <message>
        <source>Current land-use parcels (DLTB)</source>
        <translation>现状地类图斑（DLTB）</translation>
    </message>
    <message>
        <source>Current year</source>
        <translation>本期年份</translation>
    </message>
    <message>
        <source>DLTB code field</source>
        <translation>DLTB 地类编码字段</translation>
    </message>
    <message>
        <source>DLTB ownership field</source>
        <translation>DLTB 权属性质字段</translation>
    </message>
    <message>
        <source>Decimal places of the areas (rounded half up, remainders balanced so that the rows add up).</source>
        <translation>面积保留的小数位数（四舍五入，尾差调平使各行之和等于合计）。</translation>
    </message>
    <message>
        <source>Decimal places of the shares and change rates.</source>
        <translation>比重与增减率保留的小数位数。</translation>
    </message>
    <message>
        <source>Decimals</source>
        <translation>小数位数</translation>
    </message>
    <message>
        <source>Decimals of shares (%)</source>
        <translation>比重小数位数（%）</translation>
    </message>
    <message>
        <source>Declared areas (勘测定界表, CSV or xlsx)</source>
        <translation>勘测定界表（CSV 或 xlsx）</translation>
    </message>
    <message>
        <source>Deducted area in m² (KCMJ); it is reported as 田坎 (2303, in 其他土地) instead of the parcel's class. Leave empty for none.</source>
        <translation>扣除面积（平方米，KCMJ）；计入田坎（2303，属其他土地），不计入图斑地类。无扣除时留空。</translation>
    </message>
    <message>
        <source>Deduction field (田坎, m²)</source>
        <translation>扣除面积字段（田坎，平方米）</translation>
    </message>
    <message>
        <source>Definitions of the indicators (a formula per row). Not given: data/monitoring/indicators.csv.</source>
        <translation>指标定义（每行一个计算公式）。未指定时使用 data/monitoring/indicators.csv。</translation>
    </message>
    <message>
        <source>Delineate again with one constraint relaxed at a time and report what each gains.</source>
        <translation>每次只放宽一项约束重新划定，报告每项放宽能多纳入多少图斑。</translation>
    </message>
    <message>
        <source>Delineate again with one constraint relaxed at a time — the ones that keep the most parcels out: a balance floor of −X 万元 (X the 75th percentile of the left-out parcels' deficits), the public share band widened by 10 points, the maximum area × 1.5 or the minimum area × 0.5 — and report what each gains (log and the 未纳入图斑 sheet). Takes one more delineation per relaxation (at most four).</source>
        <translation>每次只放宽一项约束（限制未纳入图斑最多的几项）重新划定：资金平衡下限放宽到 −X 万元（X 为未纳入图斑资金缺口的第 75 百分位数）、公益性比例区间放宽 10 个百分点、最大面积 × 1.5 或最小面积 × 0.5，并报告每项放宽能多纳入多少图斑（见日志和“未纳入图斑”工作表）。每项放宽需再划定一次（最多四项）。</translation>
    </message>
    <message>
        <source>Delineate asset packages</source>
        <translation>划定资产包</translation>
    </message>
    <message>
        <source>Delineate packages</source>
        <translation>划定资产包</translation>
    </message>
    <message>
        <source>Delineating the packages…</source>
        <translation>正在划定资产包……</translation>
    </message>
    <message>
        <source>Denominator of the public share: the package's construction land (公益性 + 经营性; a package without any is a 资源类 package and the share does not apply), or its whole area (as in 成片开发 公益性用地比例).</source>
        <translation>公益性用地比例的分母：资产包内的建设用地（公益性 + 经营性；不含建设用地的资产包为资源类资产包，不适用该比例），或资产包总面积（同成片开发公益性用地比例）。</translation>
    </message>
    <message>
        <source>Difference rate of</source>
        <translation>差异率计算基数</translation>
    </message>
    <message>
        <source>Double-click a row to zoom the map to its conflicts.</source>
        <translation>双击某一行，地图将缩放至该对象的冲突图斑。</translation>
    </message>
    <message>
        <source>Double-click a row to zoom the map to the suspected problem.</source>
        <translation>双击某一行，地图将缩放至该疑似问题图斑。</translation>
    </message>
    <message>
        <source>Dynamic monitoring</source>
        <translation>动态监测</translation>
    </message>
    <message>
        <source>Dynamic monitoring (动态监测)</source>
        <translation>动态监测</translation>
    </message>
    <message>
        <source>Each subject with its occupied area and % per role, its verdict (通过/不通过/需论证) and the reasons.</source>
        <translation>每个审查对象及其占用各类控制线的面积和比例（%）、审查结论（通过/不通过/需论证）及判定理由。</translation>
    </message>
    <message>
        <source>Earlier area field (m², with 田坎)</source>
        <translation>前期面积字段（平方米，含田坎）</translation>
    </message>
    <message>
        <source>Earlier class</source>
        <translation>前期地类</translation>
    </message>
    <message>
        <source>Earlier classification</source>
        <translation>前期分类体系</translation>
    </message>
    <message>
        <source>Earlier land-use code field</source>
        <translation>前期地类编码字段</translation>
    </message>
    <message>
        <source>Earlier planting attribute field</source>
        <translation>前期种植属性字段</translation>
    </message>
    <message>
        <source>Earlier vintage (DLTB)</source>
        <translation>前期地类图斑（DLTB）</translation>
    </message>
    <message>
        <source>Earlier year</source>
        <translation>前期年份</translation>
    </message>
    <message>
        <source>Earlier 田坎 coefficient field</source>
        <translation>前期田坎系数字段</translation>
    </message>
    <message>
        <source>Ecological protection red line (STBHHX). Not given: reported as 未检查.</source>
        <translation>生态保护红线（STBHHX）。未提供时报告为“未检查”。</translation>
    </message>
    <message>
        <source>Ecological protection red line (STBHHX): its area, and the construction land inside it.</source>
        <translation>生态保护红线（STBHHX）：计算其面积及红线内的建设用地面积。</translation>
    </message>
    <message>
        <source>Ecological protection red line (STBHHX): new construction inside it is a suspected problem.</source>
        <translation>生态保护红线（STBHHX）：红线内的新增建设用地列为疑似问题图斑。</translation>
    </message>
    <message>
        <source>Eligible parcels not in a package</source>
        <translation>未纳入资产包的可参与图斑</translation>
    </message>
    <message>
        <source>Eligible parcels not in a package (%)</source>
        <translation>未纳入资产包的可参与图斑（%）</translation>
    </message>
    <message>
        <source>Ellipsoidal (CGCS2000, as TBMJ)</source>
        <translation>椭球面积（CGCS2000，与 TBMJ 一致）</translation>
    </message>
    <message>
        <source>Ellipsoidal (CGCS2000, as TBMJ), planar (projected CRS) or an attribute field of the subjects; pieces get their subject's area in proportion.</source>
        <translation>椭球面积（CGCS2000，与 TBMJ 一致）、平面面积（投影坐标系）或审查对象的属性字段；各碎片按比例分摊所属审查对象的面积。</translation>
    </message>
    <message>
        <source>Empty: the shipped finance table, whose unit values are EXAMPLES, not the prices of any place. Choose a table of local prices before using the balances.</source>
        <translation>留空则使用内置资金测算表，其单价为示例值，不是任何地区的价格。使用资金平衡结果前，请选择本地价格表。</translation>
    </message>
    <message>
        <source>Every parcel with its package id, or the reason it is not in a package.</source>
        <translation>每个图斑及其资产包编号，或未纳入资产包的原因。</translation>
    </message>
    <message>
        <source>Excel report</source>
        <translation>Excel 报表</translation>
    </message>
    <message>
        <source>Excel report written: {0}</source>
        <translation>Excel 报表已写出：{0}</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Exclusion field</source>
        <translation>排除字段</translation>
    </message>
    <message>
        <source>Exclusion layer {0}: rule-profile role {1}.</source>
        <translation>排除图层 {0}：规则方案管控类型 {1}。</translation>
    </message>
    <message>
        <source>Exclusion layers (e.g. 永久基本农田, 生态保护红线)</source>
        <translation>排除图层（如永久基本农田、生态保护红线）</translation>
    </message>
    <message>
        <source>Exclusion share (%)</source>
        <translation>排除比例（%）</translation>
    </message>
    <message>
        <source>Exclusions and units</source>
        <translation>排除与单元</translation>
    </message>
    <message>
        <source>Existing package ids on the parcels: parcels with an id keep it and their packages are kept as they are (and checked).</source>
        <translation>图斑上已有的资产包编号：有编号的图斑保留原编号，其所在资产包保持不变（并参与校核）。</translation>
    </message>
    <message>
        <source>Export Excel report…</source>
        <translation>导出 Excel 报表…</translation>
    </message>
    <message>
        <source>Export indicator report…</source>
        <translation>导出指标报表…</translation>
    </message>
    <message>
        <source>Fail</source>
        <translation>不通过</translation>
    </message>
    <message>
        <source>Failed checks</source>
        <translation>未通过项</translation>
    </message>
    <message>
        <source>Features converted</source>
        <translation>已转换图斑数</translation>
    </message>
    <message>
        <source>Features flagged 待细分</source>
        <translation>标记为“待细分”的图斑数</translation>
    </message>
    <message>
        <source>Features in the conflicts layer.</source>
        <translation>冲突图斑图层中的要素数。</translation>
    </message>
    <message>
        <source>Features left out</source>
        <translation>未计入的要素</translation>
    </message>
    <message>
        <source>Features left out of the output and every figure: invalid/empty/NULL geometry under the 'skip' policy, coordinates outside the CRS's area of use, or an unusable area value.</source>
        <translation>未写入输出、未计入任何统计的要素数：按“跳过”处理的无效/空/NULL 图形、坐标超出坐标系适用范围或面积值不可用的要素。</translation>
    </message>
    <message>
        <source>Features left out: null or negative area, invalid geometry skipped by policy.</source>
        <translation>未计入的要素：面积为空或为负、按设置跳过的无效图形。</translation>
    </message>
    <message>
        <source>Features skipped</source>
        <translation>跳过的要素数</translation>
    </message>
    <message>
        <source>Features skipped for null or invalid geometry.</source>
        <translation>因几何为空或无效而跳过的要素数。</translation>
    </message>
    <message>
        <source>Features whose code is not in the source classification (未识别).</source>
        <translation>编码不在源分类体系中的图斑数（未识别）。</translation>
    </message>
    <message>
        <source>Features whose code maps 1:n or is disputed (待细分).</source>
        <translation>编码为 1:n 对应或存在争议的图斑数（待细分）。</translation>
    </message>
    <message>
        <source>Features with blank codes</source>
        <translation>空编码图斑数</translation>
    </message>
    <message>
        <source>Features with no code (空值).</source>
        <translation>没有编码的图斑数（空值）。</translation>
    </message>
    <message>
        <source>Features with unknown codes</source>
        <translation>未识别编码图斑数</translation>
    </message>
    <message>
        <source>Field identifying each subject in the report (e.g. XMDM, BSM). Default: the feature id.</source>
        <translation>在报表中标识每个审查对象的字段（如 XMDM、BSM）。默认使用要素 ID。</translation>
    </message>
    <message>
        <source>Field telling 核心保护区 from 一般控制区 (e.g. ZRBHDFQ). Detected automatically when named ZRBHDFQ.</source>
        <translation>区分核心保护区与一般控制区的字段（如 ZRBHDFQ）。字段名为 ZRBHDFQ 时自动识别。</translation>
    </message>
    <message>
        <source>Field with the land-use code (e.g. DLBM, GHDLBM). Text or numeric; numbers lose leading zeros, which are restored (101 → 0101).</source>
        <translation>存放地类编码的字段（如 DLBM、GHDLBM）。可为文本型或数值型；数值型会丢失前导零，将自动补齐（101 → 0101）。</translation>
    </message>
    <message>
        <source>Field with 城镇集中建设区 / 城镇弹性发展区 / 特别用途区 (e.g. GHFQMC). Detected automatically when named GHFQMC.</source>
        <translation>记录城镇集中建设区/城镇弹性发展区/特别用途区的字段（如 GHFQMC）。字段名为 GHFQMC 时自动识别。</translation>
    </message>
    <message>
        <source>Finance and report</source>
        <translation>资金测算与报表</translation>
    </message>
    <message>
        <source>Finance table (CSV or xlsx)</source>
        <translation>资金测算单价表（CSV 或 xlsx）</translation>
    </message>
    <message>
        <source>Find parcels that overlap each other (their overlap would count twice) and report them.</source>
        <translation>查找相互重叠的图斑（重叠部分会被重复计算）并报告。</translation>
    </message>
    <message>
        <source>Find parcels that overlap inside each layer (they count twice) and report the overlap area. Needs the geometries.</source>
        <translation>查找各图层内相互重叠的图斑（会被重复计入）并报告重叠面积。需要读取图形。</translation>
    </message>
    <message>
        <source>Find parcels that overlap inside each vintage (their change would count twice) and report them.</source>
        <translation>查找每期数据内相互重叠的图斑（其变化会被重复计算）并报告。</translation>
    </message>
    <message>
        <source>Fit table</source>
        <translation>套合分析表</translation>
    </message>
    <message>
        <source>Flow matrix</source>
        <translation>流向矩阵</translation>
    </message>
    <message>
        <source>Gap tolerance (m)</source>
        <translation>缝隙容差（m）</translation>
    </message>
    <message>
        <source>Groups whole parcels into asset packages (资产包 / 配置单元) that are contiguous, keep ownership clear, mix 公益性 and 经营性 land within the public-share band, lie within the area limits and reach the financial balance (revenue of the planned land − cost of preparing the current land, from the finance table). Excluded parcels (a field or control layers such as 永久基本农田) never enter a package. Every package meets every hard constraint; parcels left out carry the reason, and when the constraints cannot be met the log says which one binds and by how much. Deterministic for a seed.</source>
        <translation>将完整图斑组合为资产包（资产包 / 配置单元）：空间连通、权属清晰、公益性与经营性用地搭配且公益性用地比例在设定区间内、面积在上下限之内，并实现资金平衡（规划地类收益 − 现状地类整备成本，依据资金测算表）。被排除的图斑（由字段或永久基本农田等管控图层确定）不纳入任何资产包。每个资产包均满足全部硬约束；未纳入的图斑注明原因；约束无法满足时，日志会说明是哪项约束起限制作用及相差多少。随机种子相同则结果相同。</translation>
    </message>
    <message>
        <source>GuotuKit planning toolkit</source>
        <translation>国土规划工具箱（GuotuKit）</translation>
    </message>
    <message>
        <source>GuotuKit — territorial planning and asset allocation toolkit</source>
        <translation>GuotuKit — 国土空间规划与资产配置工具箱</translation>
    </message>
    <message>
        <source>Hand-drawn package polygons, used when no package id field is chosen: a parcel belongs to the polygon that covers at least half of it.</source>
        <translation>手工绘制的资产包多边形，未选择资产包编号字段时使用：图斑归属覆盖其至少一半面积的多边形。</translation>
    </message>
    <message>
        <source>Highest share of 公益性 land in a package.</source>
        <translation>资产包内公益性用地的最高比例。</translation>
    </message>
    <message>
        <source>How the summary measures area: ellipsoidal (CGCS2000 ellipsoid, the 三调 TBMJ method), planar (projected CRS only), or the value of the area field.</source>
        <translation>汇总表的面积计算方式：椭球面积（CGCS2000 椭球，即三调 TBMJ 的算法）、平面面积（仅限投影坐标系），或面积字段的值。</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Id field</source>
        <translation>编号字段</translation>
    </message>
    <message>
        <source>Id of each package polygon. Not given: the feature id.</source>
        <translation>各资产包多边形的编号。未指定时使用要素 ID。</translation>
    </message>
    <message>
        <source>Identifier or name of each unit (e.g. ZLDWDM, XZQDM). Not given: the feature id.</source>
        <translation>各单元的标识或名称（如 ZLDWDM、XZQDM）。未指定时使用要素 ID。</translation>
    </message>
    <message>
        <source>Identifier shown in the lists (BSM or TBBH; detected automatically). Not given: the feature id.</source>
        <translation>清单中显示的标识（BSM 或 TBBH，自动识别）。未指定时使用要素 ID。</translation>
    </message>
    <message>
        <source>Indicator</source>
        <translation>指标名称</translation>
    </message>
    <message>
        <source>Indicator definitions (CSV or xlsx)</source>
        <translation>指标定义表（CSV 或 xlsx）</translation>
    </message>
    <message>
        <source>Indicator table</source>
        <translation>指标表</translation>
    </message>
    <message>
        <source>Indicators (规划实施监测指标)</source>
        <translation>规划实施监测指标</translation>
    </message>
    <message>
        <source>Indicators whose status is 未达标.</source>
        <translation>状态为“未达标”的指标数。</translation>
    </message>
    <message>
        <source>Indicators whose status is 达标.</source>
        <translation>状态为“达标”的指标数。</translation>
    </message>
    <message>
        <source>Indicators whose status is 预警.</source>
        <translation>状态为“预警”的指标数。</translation>
    </message>
    <message>
        <source>Indicators 未达标</source>
        <translation>未达标指标数</translation>
    </message>
    <message>
        <source>Indicators 达标</source>
        <translation>达标指标数</translation>
    </message>
    <message>
        <source>Indicators 预警</source>
        <translation>预警指标数</translation>
    </message>
    <message>
        <source>Indicators: 达标 {0}, 预警 {1}, 未达标 {2}.</source>
        <translation>指标：达标 {0} 项，预警 {1} 项，未达标 {2} 项。</translation>
    </message>
    <message>
        <source>Input layer</source>
        <translation>输入图层</translation>
    </message>
    <message>
        <source>Invalid geometries</source>
        <translation>无效几何图形</translation>
    </message>
    <message>
        <source>Invalid, empty or NULL geometries</source>
        <translation>无效、空或 NULL 图形</translation>
    </message>
    <message>
        <source>Keep each ownership unit whole</source>
        <translation>保持权属单位完整</translation>
    </message>
    <message>
        <source>Keep: the contiguous parcels of one ownership unit (QSDWDM) always go to the same package. Split allowed: units may be divided, and each package reports how many of its units are split.</source>
        <translation>保持完整：同一权属单位（QSDWDM）的相连图斑始终划入同一资产包。允许拆分：权属单位可被拆分，各资产包报告其中被拆分的权属单位数量。</translation>
    </message>
    <message>
        <source>Kind of project, as named in the rule profile (一般建设项目, 国家重大项目, 线性基础设施, 生态保护修复, 农业设施, 军事国防, 规划方案). 自动 (the default): 规划方案 when the subject layer is a plan (its name or fields say GHYD/GHDLBM/规划), else 一般建设项目; the log says which.</source>
        <translation>项目类型，与规则方案中的名称一致（一般建设项目、国家重大项目、线性基础设施、生态保护修复、农业设施、军事国防、规划方案）。自动（默认）：审查对象为规划图层（图层名或字段含 GHYD、GHDLBM、规划）时按规划方案，否则按一般建设项目；日志中写明所用类型。</translation>
    </message>
    <message>
        <source>Kinds of the legal basis layers</source>
        <translation>合法依据图层类型</translation>
    </message>
    <message>
        <source>Label of the base year in the headers (规划基期年).</source>
        <translation>表头中基期年的标注（规划基期年）。</translation>
    </message>
    <message>
        <source>Label of the current vintage in the table, e.g. 2024.</source>
        <translation>指标表中本期数据的标注，如 2024。</translation>
    </message>
    <message>
        <source>Label of the previous vintage, e.g. 2023.</source>
        <translation>上一期数据的标注，如 2023。</translation>
    </message>
    <message>
        <source>Label of the target year in the headers (规划目标年).</source>
        <translation>表头中目标年的标注（规划目标年）。</translation>
    </message>
    <message>
        <source>Label of the vintage in the report (e.g. 2019（三调）).</source>
        <translation>报告中该期数据的标注（如 2019（三调））。</translation>
    </message>
    <message>
        <source>Land of either vintage that the other does not cover (not compared).</source>
        <translation>任一期中另一期未覆盖的土地面积（未参与对比）。</translation>
    </message>
    <message>
        <source>Land use</source>
        <translation>用地</translation>
    </message>
    <message>
        <source>Land-management records that make a change lawful: 农转用, 征收, 供地, 增减挂钩, 设施农用地备案, 临时用地, 进出平衡方案流出地块 … What they cover is not listed as a suspected problem; the report counts it.</source>
        <translation>使变化合法的用地管理信息：农转用、征收、供地、增减挂钩、设施农用地备案、临时用地、进出平衡方案流出地块等。其范围内的部分不列为疑似问题，报告中计数说明。</translation>
    </message>
    <message>
        <source>Land-use code (DLBM), kept as text.</source>
        <translation>地类编码（DLBM），按文本处理。</translation>
    </message>
    <message>
        <source>Land-use code (DLBM), kept as text; 101 is read as 0101; K/A suffixes are compared as their base class.</source>
        <translation>地类编码（DLBM），按文本处理；101 读作 0101；带 K/A 后缀的编码按其基本地类对比。</translation>
    </message>
    <message>
        <source>Land-use code field</source>
        <translation>地类编码字段</translation>
    </message>
    <message>
        <source>Land-use code of the base layer (DLBM). Codes are kept as text; 101 is read as 0101.</source>
        <translation>基期图层的地类代码（DLBM）。代码按文本处理；101 视为 0101。</translation>
    </message>
    <message>
        <source>Land-use parcels of the earlier vintage (e.g. 三调 2019 or last year's 变更调查 DLTB).</source>
        <translation>前期地类图斑（如 2019 年三调或上一年度变更调查 DLTB）。</translation>
    </message>
    <message>
        <source>Land-use parcels of the later vintage (e.g. this year's 年度变更调查 DLTB).</source>
        <translation>后期地类图斑（如本年度国土变更调查 DLTB）。</translation>
    </message>
    <message>
        <source>Land-use structure</source>
        <translation>用地结构</translation>
    </message>
    <message>
        <source>Land-use structure adjustment table</source>
        <translation>用地结构调整表</translation>
    </message>
    <message>
        <source>Land-use type</source>
        <translation>用地用海类型</translation>
    </message>
    <message>
        <source>Language: {0} (setting GuotuKit/language: auto, zh or en)</source>
        <translation>界面语言：{0}（设置项 GuotuKit/language：auto、zh 或 en）</translation>
    </message>
    <message>
        <source>Largest difference rate that passes (1 % in the provinces' review rules [S]).</source>
        <translation>判定为通过的最大差异率（各省审查规定为 1% [S]）。</translation>
    </message>
    <message>
        <source>Largest package (公顷).</source>
        <translation>最大资产包面积（公顷）。</translation>
    </message>
    <message>
        <source>Later area field (m², with 田坎)</source>
        <translation>后期面积字段（平方米，含田坎）</translation>
    </message>
    <message>
        <source>Later class</source>
        <translation>后期地类</translation>
    </message>
    <message>
        <source>Later classification</source>
        <translation>后期分类体系</translation>
    </message>
    <message>
        <source>Later land-use code field</source>
        <translation>后期地类编码字段</translation>
    </message>
    <message>
        <source>Later planting attribute field</source>
        <translation>后期种植属性字段</translation>
    </message>
    <message>
        <source>Later vintage (DLTB)</source>
        <translation>后期地类图斑（DLTB）</translation>
    </message>
    <message>
        <source>Later year</source>
        <translation>后期年份</translation>
    </message>
    <message>
        <source>Later 田坎 coefficient field</source>
        <translation>后期田坎系数字段</translation>
    </message>
    <message>
        <source>Latest land survey (DLTB)</source>
        <translation>最新年度变更调查（DLTB）</translation>
    </message>
    <message>
        <source>Layer {0} has no field «{1}» ({2}). Its fields are: {3}. Choose an existing field.</source>
        <translation>图层 {0} 中没有字段“{1}”（{2}）。该图层的字段有：{3}。请选择已有的字段。</translation>
    </message>
    <message>
        <source>Layer {0} is empty: it has no features. Choose a layer with data.</source>
        <translation>图层 {0} 为空，没有任何要素。请选择有数据的图层。</translation>
    </message>
    <message>
        <source>Layer «{0}» has invalid geometries (feature ids {1}): {2}. Fix them (Vector ▸ Geometry ▸ Fix geometries) or choose the 'skip' or 'repair' policy.</source>
        <translation>图层“{0}”存在无效几何图形（要素 ID {1}）：{2}。请先修复（矢量 ▸ 几何图形工具 ▸ 修复几何图形），或将无效几何处理方式改为“跳过”或“修复”。</translation>
    </message>
    <message>
        <source>Layer «{0}» has no DLBM field. Choose the base land-use code field.</source>
        <translation>图层 «{0}» 没有 DLBM 字段。请选择基期地类代码字段。</translation>
    </message>
    <message>
        <source>Layer «{0}» has no DLBM field. Choose the current land-use code field.</source>
        <translation>图层«{0}»没有 DLBM 字段。请选择现状地类编码字段。</translation>
    </message>
    <message>
        <source>Layer «{0}» has none of the usual plan code fields ({1}). Choose the target land-use code field.</source>
        <translation>图层 «{0}» 没有常用的规划地类代码字段（{1}）。请选择目标年地类代码字段。</translation>
    </message>
    <message>
        <source>Layer «{0}» has none of the usual planned code fields ({1}) and no plan layer is given. Choose the planned land-use code field, or a plan layer (规划用地) to take the planned class from.</source>
        <translation>图层«{0}»不含常用的规划地类编码字段（{1}），也未指定规划图层。请选择规划地类编码字段，或选择用于提取规划地类的规划图层（规划用地）。</translation>
    </message>
    <message>
        <source>Layer «{0}» has {1} features with an empty or NULL geometry (feature ids {2}): they cannot be measured. Delete or fix them, or choose the 'skip' policy to leave them out of every figure.</source>
        <translation>图层「{0}」有 {1} 个要素图形为空或 NULL（要素号 {2}），无法量算。请删除或修复，或选择“跳过”使其不计入任何统计。</translation>
    </message>
    <message>
        <source>Layer «{0}» is a shapefile without a .cpg file and its text is neither UTF-8 nor GB18030, so its codes and names cannot be read reliably. Add a .cpg file holding the encoding (e.g. GBK) beside the .shp, or save the layer as GeoPackage, then run again.</source>
        <translation>图层「{0}」是没有 .cpg 文件的 shapefile，其文字既不是 UTF-8 也不是 GB18030，代码和名称无法可靠读取。请在 .shp 旁添加注明编码（如 GBK）的 .cpg 文件，或另存为 GeoPackage 后重新运行。</translation>
    </message>
    <message>
        <source>Layer «{0}» is in the geographic CRS {1} and its centre (longitude {2:.3f}) lies outside the CGCS2000 3° Gauss-Krüger zones of China (75°–135° E), so no projected CRS can be chosen for its areas. Check the layer's CRS (Layer Properties ▸ Source) or reproject it to a CGCS2000 zone (e.g. EPSG:4527), then run again.</source>
        <translation>图层「{0}」为地理坐标系 {1}，其中心经度 {2:.3f} 不在我国 CGCS2000 3 度带（东经 75°–135°）内，无法选择投影坐标系量算面积。请检查图层坐标系（图层属性 ▸ 源），或重投影到 CGCS2000 3 度带（如 EPSG:4527）后重新运行。</translation>
    </message>
    <message>
        <source>Layer «{0}» was reprojected from {1} to the working CRS.</source>
        <translation>图层 «{0}» 已从 {1} 重投影到工作坐标系。</translation>
    </message>
    <message>
        <source>Layer «{0}»: no feature is left to convert ({1} left out). Fix the geometries or the area field and run again.</source>
        <translation>图层「{0}」：没有可转换的要素（{1} 个未计入）。请修复图形或面积字段后重新运行。</translation>
    </message>
    <message>
        <source>Layer «{0}»: {1} features are left out of the output and of every count and area: {2}</source>
        <translation>图层「{0}」：{1} 个要素未写入输出，也未计入任何数量和面积：{2}</translation>
    </message>
    <message>
        <source>Layer «{0}»: {1} features have an empty or NULL geometry; they are left out of every figure (ids {2}).</source>
        <translation>图层「{0}」：{1} 个要素图形为空或 NULL，未计入任何统计（要素号 {2}）。</translation>
    </message>
    <message>
        <source>Layer «{0}»: {1} features lie outside the area of use of its CRS {2} (x/y swapped or a wrong zone?) and are left out of every figure (feature ids {3}).</source>
        <translation>图层「{0}」：{1} 个要素的坐标超出其坐标系 {2} 的适用范围（x/y 对调或带号有误？），未计入任何统计（要素号 {3}）。</translation>
    </message>
    <message>
        <source>Layer «{0}»: {1} invalid features repaired (ids {2}).</source>
        <translation>图层“{0}”：已修复 {1} 个无效要素（ID {2}）。</translation>
    </message>
    <message>
        <source>Layer «{0}»: {1} invalid features skipped (ids {2}).</source>
        <translation>图层“{0}”：已跳过 {1} 个无效要素（ID {2}）。</translation>
    </message>
    <message>
        <source>Layer «{0}»: {1} pairs of features overlap, sharing {2:.2f} m² (planar); that area is counted twice in the summary. Fix the topology (e.g. Vector ▸ Geometry ▸ Check validity / topology checker), then run again.</source>
        <translation>图层「{0}」：{1} 对要素相互重叠，重叠面积 {2:.2f} 平方米（平面量算），在汇总中被重复计算。请先处理拓扑（如 矢量 ▸ 几何工具 ▸ 检查有效性 / 拓扑检查器）后重新运行。</translation>
    </message>
    <message>
        <source>Legal basis layers (用地管理信息)</source>
        <translation>合法依据图层（用地管理信息）</translation>
    </message>
    <message>
        <source>Let the rule profile admit excluded parcels</source>
        <translation>按规则方案放行排除图斑</translation>
    </message>
    <message>
        <source>Locked package field</source>
        <translation>锁定资产包字段</translation>
    </message>
    <message>
        <source>Long table base row × target row with the area (rounded rows add up to the base figures) and the exact m².</source>
        <translation>基期行 × 目标年行的长表：面积（取整后各行之和等于基期面积）及精确平方米数。</translation>
    </message>
    <message>
        <source>Long table earlier class × later class (level 2) with the area in m² and 公顷.</source>
        <translation>前期地类 × 后期地类（二级类）流向长表，含面积（平方米和公顷）。</translation>
    </message>
    <message>
        <source>Longer lists are cut in the workbook (the sheet says so); every part is in the suspected-problem layer.</source>
        <translation>超出部分在工作簿中截断（表中注明）；全部图斑见疑似问题图斑图层。</translation>
    </message>
    <message>
        <source>Lowest share of 公益性 land in a package (丰歉搭配).</source>
        <translation>资产包内公益性用地的最低比例（丰歉搭配）。</translation>
    </message>
    <message>
        <source>Mapping table (CSV)</source>
        <translation>对照表（CSV）</translation>
    </message>
    <message>
        <source>Mapping table {0}: {1}</source>
        <translation>对照表 {0}：{1}</translation>
    </message>
    <message>
        <source>Maximum package area (ha)</source>
        <translation>资产包最大面积（公顷）</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Minimum balance (万元)</source>
        <translation>资金平衡最低值（万元）</translation>
    </message>
    <message>
        <source>Minimum package area (ha)</source>
        <translation>资产包最小面积（公顷）</translation>
    </message>
    <message>
        <source>Minimum revenue/cost ratio</source>
        <translation>最低收益成本比</translation>
    </message>
    <message>
        <source>Monitoring and evaluation</source>
        <translation>监测评估</translation>
    </message>
    <message>
        <source>Name field</source>
        <translation>地类名称字段</translation>
    </message>
    <message>
        <source>Name of each region (e.g. XZQMC). Detected automatically when the layer has XZQMC.</source>
        <translation>各分区的名称（如 XZQMC）。图层含 XZQMC 字段时自动识别。</translation>
    </message>
    <message>
        <source>Name of the area for the report title, e.g. 某某县.</source>
        <translation>报告标题中的地区名称，如某某县。</translation>
    </message>
    <message>
        <source>Name of the county or area for the report title, e.g. 某某县.</source>
        <translation>报告标题中的县（区）或区域名称，如 某某县。</translation>
    </message>
    <message>
        <source>Name of the planning area for the title, e.g. 某某县.</source>
        <translation>规划范围名称，用于标题，如 某某县。</translation>
    </message>
    <message>
        <source>Name used in the report titles, e.g. the project or plan name.</source>
        <translation>用于报表标题的名称，如项目名称或规划名称。</translation>
    </message>
    <message>
        <source>National default profile (draft)</source>
        <translation>全国默认规则方案（草案）</translation>
    </message>
    <message>
        <source>Needs review</source>
        <translation>需论证</translation>
    </message>
    <message>
        <source>No area field: parcel areas are computed on the ellipsoid.</source>
        <translation>无面积字段：图斑面积按椭球面计算。</translation>
    </message>
    <message>
        <source>No constraint keeps parcels out.</source>
        <translation>没有约束使图斑未纳入。</translation>
    </message>
    <message>
        <source>No declared areas: the 总面积 is the coordinate area of the project polygons.</source>
        <translation>未提供勘测定界表：总面积取勘测定界范围图形的平面坐标面积。</translation>
    </message>
    <message>
        <source>No feature of layer «{0}» could be transformed from its CRS {1}. Check the layer's CRS.</source>
        <translation>图层「{0}」的要素无法从其坐标系 {1} 转换。请检查图层坐标系。</translation>
    </message>
    <message>
        <source>No field was chosen for {0}.</source>
        <translation>未选择{0}。</translation>
    </message>
    <message>
        <source>No table template was found in data/structure_templates. Reinstall the plugin or give a template file.</source>
        <translation>在 data/structure_templates 中未找到表格模板。请重新安装插件或指定模板文件。</translation>
    </message>
    <message>
        <source>No target table: the indicators are computed, their status is 无目标.</source>
        <translation>未提供规划目标表：仅计算指标值，状态为“无目标”。</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>暂不打开</translation>
    </message>
    <message>
        <source>Number of features written.</source>
        <translation>已写出的图斑数。</translation>
    </message>
    <message>
        <source>Number of packages.</source>
        <translation>资产包数量。</translation>
    </message>
    <message>
        <source>Number of subjects with verdict 通过.</source>
        <translation>审查结论为“通过”的审查对象数。</translation>
    </message>
    <message>
        <source>Number with 不通过.</source>
        <translation>结论为“不通过”的审查对象数。</translation>
    </message>
    <message>
        <source>Number with 需论证.</source>
        <translation>结论为“需论证”的审查对象数。</translation>
    </message>
    <message>
        <source>Official area of each subject in m² (e.g. YDMJ), for the attribute basis.</source>
        <translation>每个审查对象的法定面积（平方米，如 YDMJ），用于“属性字段”面积口径。</translation>
    </message>
    <message>
        <source>One dissolved polygon per package with its area, public and profitable land, state and collective land, ownership units, cost, revenue, balance, compactness and a pass flag per constraint.</source>
        <translation>每个资产包融合为一个多边形，含面积、公益性与经营性用地、国有与集体土地、权属单位、成本、收益、资金平衡、紧凑度以及各项约束的通过标志。</translation>
    </message>
    <message>
        <source>One label per legal basis layer, separated by ; (e.g. 农转用;设施农用地备案). Empty: the layer names.</source>
        <translation>每个合法依据图层一个类型名称，用 ; 分隔（如 农转用;设施农用地备案）。留空：使用图层名称。</translation>
    </message>
    <message>
        <source>One polygon per changed piece (earlier parcel ∩ later parcel): both codes and names, level 1, 三大类, area, 耕地 areas net of 田坎, categories and rule ids.</source>
        <translation>每个变化图斑一个面要素（前期图斑 ∩ 后期图斑）：含前后期地类编码和名称、一级类、三大类、面积、扣除田坎后的耕地面积、变化类别及规则编号。</translation>
    </message>
    <message>
        <source>One polygon per subject × control feature × current class: ids, role, areas in m²/公顷/亩, current class and ownership, rule id, verdict, message.</source>
        <translation>每个“审查对象 × 控制线要素 × 现状地类”组合一个面：编号、控制线类型、面积（平方米/公顷/亩）、现状地类及权属、规则编号、审查结论、说明。</translation>
    </message>
    <message>
        <source>One row per indicator: unit, attribute, target, current value (and previous, change), status and the rule applied.</source>
        <translation>每项指标一行：单位、指标属性、目标值、现状值（及上一期值、变化量）、状态及所用判定规则。</translation>
    </message>
    <message>
        <source>One row per item: declared and fitted area (公顷), difference, rate and whether it is within the tolerance.</source>
        <translation>每个统计项一行：勘测定界面积与套合面积（公顷）、差值、差异率及是否在容差以内。</translation>
    </message>
    <message>
        <source>One row per template row (and per region when regions are given): base and target area and share, change and change rate.</source>
        <translation>每个模板行一条记录（给出分区时每个分区各一组）：基期与目标年面积和比重、增减及增减率。</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Open it now?</source>
        <translation>现在打开吗？</translation>
    </message>
    <message>
        <source>Optional CSV (UTF-8 or GBK) with columns source_code,target_code[,target_name,type,note] whose rows override or extend the built-in crosswalk, e.g. a county's rule for 0204 → 0204 油料园地.</source>
        <translation>可选的 CSV 文件（UTF-8 或 GBK 编码），列为 source_code,target_code[,target_name,type,note]，其中各行覆盖或补充内置对照表，例如某县规定 0204 → 0204 油料园地。</translation>
    </message>
    <message>
        <source>Optional CSV source_code,target_code[,target_name,type,note] that overrides crosswalk rows for the base layer (e.g. local 待细分 decisions).</source>
        <translation>可选 CSV：source_code,target_code[,target_name,type,note]，覆盖基期图层的衔接表行（如本地对待细分地类的认定）。</translation>
    </message>
    <message>
        <source>Optional field with the class name (e.g. DLMC). Used to recognise features whose code is blank, and to count features whose name disagrees with their code.</source>
        <translation>可选，存放地类名称的字段（如 DLMC）。用于识别编码为空的图斑，并统计名称与编码不一致的图斑。</translation>
    </message>
    <message>
        <source>Optional regions (乡镇, 行政村 ...): one table per region plus the total, parcels split by the region boundaries.</source>
        <translation>可选分区（乡镇、行政村……）：每个分区一张表并给出合计，图斑按分区边界切分。</translation>
    </message>
    <message>
        <source>Optional units a package must not cross (行政村, 详规单元): parcels of different units are never neighbours. A parcel belongs to the unit that covers most of it.</source>
        <translation>可选，资产包不得跨越的单元（行政村、详规单元）：不同单元的图斑不视为相邻。图斑归属覆盖其大部分面积的单元。</translation>
    </message>
    <message>
        <source>Optional 三调/变更调查 DLTB layer: every conflict is broken down by current class (耕地, 其中水田 ...) and ownership.</source>
        <translation>可选的三调/变更调查地类图斑（DLTB）图层：每处冲突将按现状地类（耕地、其中水田等）和权属性质细分。</translation>
    </message>
    <message>
        <source>Optional: a template of your own (overrides the choice above)</source>
        <translation>可选：自定义模板（优先于上面的选择）</translation>
    </message>
    <message>
        <source>Optional: the previous year's DLTB with the same fields; the table then shows the change since it.</source>
        <translation>可选：上一期（上一年度）DLTB，字段与本期相同；提供后指标表同时列出较上一期的变化。</translation>
    </message>
    <message>
        <source>Options</source>
        <translation>选项</translation>
    </message>
    <message>
        <source>Other control layers</source>
        <translation>其他控制线图层</translation>
    </message>
    <message>
        <source>Other control layers (城镇开发边界, 地质灾害 …) whose overlap with each package is listed in the 条件清单 without excluding anything.</source>
        <translation>其他管控图层（城镇开发边界、地质灾害 …），仅在条件清单中列出其与各资产包的重叠情况，不排除任何图斑。</translation>
    </message>
    <message>
        <source>Outputs</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Overlapping parcel pairs</source>
        <translation>重叠图斑对数</translation>
    </message>
    <message>
        <source>Overlaps smaller than this (m²) are listed as slivers (碎片), not counted as conflicts.</source>
        <translation>小于该面积（平方米）的重叠列为碎片，不计为冲突。</translation>
    </message>
    <message>
        <source>Overlay the two layers to get the from→to matrix (转换矩阵). Takes longer than the table alone.</source>
        <translation>叠加两个图层得到转换矩阵（由何地类转为何地类）。比只算结构表耗时更长。</translation>
    </message>
    <message>
        <source>Overlays a plan or project parcels on 永久基本农田, 生态保护红线, 城镇开发边界 and any other control layers, measures what every subject occupies (control features of one role are dissolved, so overlaps never double-count), breaks conflicts down by current land class and ownership when DLTB is given, and applies an editable rule profile: each subject gets 通过 / 不通过 / 需论证 with the reasons and legal basis. A control layer that is not given is reported as 未检查, never as 通过. Big control polygons are subdivided and indexed, so a whole county runs in seconds.</source>
        <translation>将规划或项目用地图斑与永久基本农田、生态保护红线、城镇开发边界及其他控制线图层叠加分析，量算每个审查对象的占用面积（同一类控制线的要素先融合，重叠部分不重复计算）；提供 DLTB 时按现状地类和权属性质细分冲突；再套用可编辑的规则方案，为每个审查对象给出“通过/不通过/需论证”结论及判定理由和法律依据。未提供的控制线图层报告为“未检查”，绝不视为“通过”。大型控制线面会先切分并建立空间索引，整个县域数秒即可完成。</translation>
    </message>
    <message>
        <source>Ownership field (QSXZ)</source>
        <translation>权属性质字段（QSXZ）</translation>
    </message>
    <message>
        <source>Ownership field (QSXZ: 10/20 国有, 30–34/40 集体).</source>
        <translation>权属性质字段（QSXZ：10/20 为国有，30–34/40 为集体）。</translation>
    </message>
    <message>
        <source>Ownership unit field (QSDWDM)</source>
        <translation>权属单位字段（QSDWDM）</translation>
    </message>
    <message>
        <source>Ownership unit name field (QSDWMC)</source>
        <translation>权属单位名称字段（QSDWMC）</translation>
    </message>
    <message>
        <source>Ownership units</source>
        <translation>权属单位</translation>
    </message>
    <message>
        <source>Ownership units are to be kept whole, but layer «{0}» has no ownership unit field. Choose the QSDWDM field or allow splits.</source>
        <translation>要求保持权属单位完整，但图层«{0}»没有权属单位字段。请选择 QSDWDM 字段或允许拆分。</translation>
    </message>
    <message>
        <source>Package id field on the parcels</source>
        <translation>图斑上的资产包编号字段</translation>
    </message>
    <message>
        <source>Package id of each parcel (empty: not in a package).</source>
        <translation>各图斑的资产包编号（为空：未纳入资产包）。</translation>
    </message>
    <message>
        <source>Package polygon id field</source>
        <translation>资产包多边形编号字段</translation>
    </message>
    <message>
        <source>Package polygons</source>
        <translation>资产包多边形</translation>
    </message>
    <message>
        <source>Packages</source>
        <translation>资产包</translation>
    </message>
    <message>
        <source>Packages failing a constraint</source>
        <translation>未满足约束的资产包</translation>
    </message>
    <message>
        <source>Packages that break at least one hard constraint (always 0 for delineated packages; locked and hand-drawn ones may fail).</source>
        <translation>至少违反一项硬约束的资产包数（自动划定的资产包始终为 0；锁定和手工绘制的资产包可能不满足）。</translation>
    </message>
    <message>
        <source>Pairs of features whose interiors overlap (their shared area is counted twice in the summary).</source>
        <translation>内部相互重叠的要素对数（重叠面积在汇总中被重复计算）。</translation>
    </message>
    <message>
        <source>Pairs of overlapping features</source>
        <translation>重叠要素对数</translation>
    </message>
    <message>
        <source>Pairs of overlapping parcels found inside the two layers (-1: not checked).</source>
        <translation>两个图层内找到的相互重叠图斑对数（-1：未检查）。</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Parcel area in m² (TBMJ, the gross 图斑面积). Not given or missing from the layer: CGCS2000 ellipsoidal area of the geometry.</source>
        <translation>图斑面积，单位 m²（TBMJ，即图斑面积毛值）。未指定或图层中无该字段时：按 CGCS2000 椭球计算几何面积。</translation>
    </message>
    <message>
        <source>Parcel assignment</source>
        <translation>图斑归属</translation>
    </message>
    <message>
        <source>Parcel assignment (seed {0})</source>
        <translation>图斑归属（种子 {0}）</translation>
    </message>
    <message>
        <source>Parcel identifier field</source>
        <translation>图斑标识字段</translation>
    </message>
    <message>
        <source>Parcels (DLTB)</source>
        <translation>图斑（DLTB）</translation>
    </message>
    <message>
        <source>Parcels and plan</source>
        <translation>图斑与规划</translation>
    </message>
    <message>
        <source>Parcels closer than this are neighbours even without a shared edge (roads or ditches missing from the data). 0: shared edges only.</source>
        <translation>间距小于此值的图斑即使没有公共边也视为相邻（用于数据中缺失的道路或沟渠）。0：仅公共边视为相邻。</translation>
    </message>
    <message>
        <source>Parcels inside a checked layer (by at least half of their area) never enter a package.</source>
        <translation>图斑有一半及以上面积位于勾选图层内的，不纳入任何资产包。</translation>
    </message>
    <message>
        <source>Parcels lying inside these layers by at least the share below never enter a package; every package's overlap with them is listed in its 条件清单.</source>
        <translation>落入这些图层的面积比例不低于下方比例的图斑不纳入任何资产包；各资产包与这些图层的重叠情况列入其条件清单。</translation>
    </message>
    <message>
        <source>Parcels that cannot take part</source>
        <translation>不可参与的图斑</translation>
    </message>
    <message>
        <source>Parcels that cannot take part: excluded, unknown class or price, missing area or geometry.</source>
        <translation>不可参与的图斑：已排除、地类或价格未知、缺少面积或几何。</translation>
    </message>
    <message>
        <source>Parcels that could take part but are in no package (each with its reason in the assignment layer).</source>
        <translation>可参与但未纳入任何资产包的图斑（原因见图斑归属图层）。</translation>
    </message>
    <message>
        <source>Parcels whose code is blank or not in its classification (kept in the total, row 未识别地类).</source>
        <translation>代码为空或不在所属分类体系中的图斑数（仍计入合计，列在“未识别地类”行）。</translation>
    </message>
    <message>
        <source>Parcels whose code is blank, unknown or outside the template: see the sheet 待细分与未识别 of the Excel report.</source>
        <translation>代码为空、未识别或无法归入模板的图斑：见 Excel 报告的“待细分与未识别”表。</translation>
    </message>
    <message>
        <source>Parcels with unknown or blank codes</source>
        <translation>代码未识别或为空的图斑</translation>
    </message>
    <message>
        <source>Parcels 待细分</source>
        <translation>待细分图斑</translation>
    </message>
    <message>
        <source>Parts in the suspected-problem layer.</source>
        <translation>疑似问题图斑图层中的图斑数。</translation>
    </message>
    <message>
        <source>Pass</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>Pass when</source>
        <translation>判定方式</translation>
    </message>
    <message>
        <source>Permanent basic farmland (YJJBNT / YJJBNTBHTB). Not given: reported as 未检查.</source>
        <translation>永久基本农田（YJJBNT / YJJBNTBHTB）。未提供时报告为“未检查”。</translation>
    </message>
    <message>
        <source>Permanent basic farmland (YJJBNT): its dissolved area, and the cropland inside it.</source>
        <translation>永久基本农田（YJJBNT）：计算其融合后的面积及范围内的耕地面积。</translation>
    </message>
    <message>
        <source>Permanent basic farmland (YJJBNT): new construction and farmland turned to orchard, forest, grass, ponds or farm facilities inside it are suspected problems.</source>
        <translation>永久基本农田（YJJBNT）：其范围内的新增建设用地，以及耕地转为园地、林地、草地、坑塘水面或设施农用地的，列为疑似问题图斑。</translation>
    </message>
    <message>
        <source>Plan (target year)</source>
        <translation>规划（目标年）</translation>
    </message>
    <message>
        <source>Plan implementation indicators</source>
        <translation>规划实施监测指标</translation>
    </message>
    <message>
        <source>Plan layer (GHYD)</source>
        <translation>规划图层（GHYD）</translation>
    </message>
    <message>
        <source>Plan layer (when parcels carry no planned code)</source>
        <translation>规划图层（图斑无规划地类编码时使用）</translation>
    </message>
    <message>
        <source>Plan layer code field</source>
        <translation>规划图层编码字段</translation>
    </message>
    <message>
        <source>Planar (projected CRS)</source>
        <translation>平面面积（投影坐标系）</translation>
    </message>
    <message>
        <source>Planar areas cannot be computed in the geographic CRS {0} of layer «{1}»: degrees are not metres. Choose the ellipsoidal basis or reproject the layer to a projected CRS (e.g. CGCS2000 3-degree Gauss-Krüger).</source>
        <translation>不能在地理坐标系 {0}（图层 «{1}»）中计算平面面积：度不是米。请选择椭球面积口径，或将图层重投影到投影坐标系（如 CGCS2000 3 度带高斯-克吕格）。</translation>
    </message>
    <message>
        <source>Planar areas cannot be computed in the geographic CRS {0}. Choose the ellipsoidal basis or reproject the layer.</source>
        <translation>无法在地理坐标系 {0} 中计算平面面积。请选择椭球面积口径，或将图层重投影。</translation>
    </message>
    <message>
        <source>Planar areas cannot be computed in the geographic CRS {0}. Choose the ellipsoidal basis or reproject the subject layer.</source>
        <translation>无法在地理坐标系 {0} 中计算平面面积。请选择椭球面积口径，或将审查对象图层重投影。</translation>
    </message>
    <message>
        <source>Planar areas cannot be computed in the geographic CRS {0}: degrees are not metres. Reproject the layer to a projected CRS (e.g. CGCS2000 3-degree Gauss-Krüger) or choose the ellipsoidal basis.</source>
        <translation>无法在地理坐标系 {0} 中计算平面面积：其单位是度而不是米。请将图层重投影到投影坐标系（如 CGCS2000 3 度带高斯-克吕格投影），或选择椭球面积口径。</translation>
    </message>
    <message>
        <source>Planned classification</source>
        <translation>规划地类分类</translation>
    </message>
    <message>
        <source>Planned code field of the plan layer (GHDLBM, GHYTDM …; detected automatically).</source>
        <translation>规划图层的规划地类编码字段（GHDLBM、GHYTDM …；自动识别）。</translation>
    </message>
    <message>
        <source>Planned land use of each parcel (用地用海 code, e.g. GHDLBM). It prices the revenue and says whether the land is 公益性 or 经营性. Not given: taken from the plan layer below.</source>
        <translation>各图斑的规划地类（用地用海编码，如 GHDLBM），用于测算收益并判定用地为公益性或经营性。未指定时从下方规划图层提取。</translation>
    </message>
    <message>
        <source>Planned land use of the target year (规划用地, e.g. GHYD).</source>
        <translation>目标年规划用地（规划用地，如 GHYD）。</translation>
    </message>
    <message>
        <source>Planned land-use code (e.g. GHDLBM, GHYTDM). Detected automatically when the layer has one of the standard names.</source>
        <translation>规划地类代码（如 GHDLBM、GHYTDM）。图层含常用字段名时自动识别。</translation>
    </message>
    <message>
        <source>Planned land-use code field</source>
        <translation>规划地类编码字段</translation>
    </message>
    <message>
        <source>Planned land-use code of each subject (e.g. GHDLBM). Rules depend on it; without it every subject counts as class 未知.</source>
        <translation>每个审查对象的规划地类编码（如 GHDLBM）。规则判定依赖该字段；未提供时所有审查对象均按“未知”地类处理。</translation>
    </message>
    <message>
        <source>Polygon layer whose features carry a land-use code, e.g. DLTB (地类图斑) or a planned land-use layer.</source>
        <translation>要素带有地类编码的面图层，如 DLTB（地类图斑）或规划用地图层。</translation>
    </message>
    <message>
        <source>Preview of the region</source>
        <translation>预览分区</translation>
    </message>
    <message>
        <source>Previous</source>
        <translation>上一期</translation>
    </message>
    <message>
        <source>Previous vintage (DLTB)</source>
        <translation>上一期地类图斑（DLTB）</translation>
    </message>
    <message>
        <source>Previous year</source>
        <translation>上一期年份</translation>
    </message>
    <message>
        <source>Printed area of the category 新增建设用地.</source>
        <translation>工作簿中列示的新增建设用地面积。</translation>
    </message>
    <message>
        <source>Printed 耕地流入合计 of the workbook.</source>
        <translation>工作簿中列示的耕地流入合计。</translation>
    </message>
    <message>
        <source>Printed 耕地流出合计 of the workbook.</source>
        <translation>工作簿中列示的耕地流出合计。</translation>
    </message>
    <message>
        <source>Project boundary (勘测定界)</source>
        <translation>勘测定界范围</translation>
    </message>
    <message>
        <source>Project name</source>
        <translation>项目名称</translation>
    </message>
    <message>
        <source>Project name for the table's title, e.g. 某某项目.</source>
        <translation>套合分析表标题中的项目名称，如某某项目。</translation>
    </message>
    <message>
        <source>Project or plan name</source>
        <translation>项目或规划名称</translation>
    </message>
    <message>
        <source>Project red lines (项目用地范围) or a planned land-use layer to check.</source>
        <translation>待审查的项目红线（项目用地范围）或规划用地图层。</translation>
    </message>
    <message>
        <source>Project type</source>
        <translation>项目类型</translation>
    </message>
    <message>
        <source>Project type chosen from the subject layer: {0}</source>
        <translation>按审查对象图层确定项目类型：{0}</translation>
    </message>
    <message>
        <source>Public share (%)</source>
        <translation>公益性用地比例（%）</translation>
    </message>
    <message>
        <source>Public share maximum (%)</source>
        <translation>公益性用地比例上限（%）</translation>
    </message>
    <message>
        <source>Public share minimum (%)</source>
        <translation>公益性用地比例下限（%）</translation>
    </message>
    <message>
        <source>Public share of</source>
        <translation>公益性用地比例计算基数</translation>
    </message>
    <message>
        <source>Random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Read {0} and {1} parcels in {2:.1f} s.</source>
        <translation>已读取前期 {0} 个、后期 {1} 个图斑，用时 {2:.1f} 秒。</translation>
    </message>
    <message>
        <source>Read {0} base and {1} target parcels in {2:.1f} s.</source>
        <translation>已读取 {0} 个基期图斑和 {1} 个目标年图斑，用时 {2:.1f} 秒。</translation>
    </message>
    <message>
        <source>Read {0} parcels in {1:.1f} s.</source>
        <translation>已读取 {0} 个图斑，用时 {1:.1f} 秒。</translation>
    </message>
    <message>
        <source>Read {0} subjects and {1} control layers in {2:.1f} s.</source>
        <translation>已读取 {0} 个审查对象和 {1} 个控制线图层，用时 {2:.1f} 秒。</translation>
    </message>
    <message>
        <source>Reasons</source>
        <translation>判定理由</translation>
    </message>
    <message>
        <source>Red-line zone field</source>
        <translation>红线分区字段</translation>
    </message>
    <message>
        <source>Region layer (e.g. townships)</source>
        <translation>分区图层（如乡镇）</translation>
    </message>
    <message>
        <source>Region name</source>
        <translation>规划范围名称</translation>
    </message>
    <message>
        <source>Region name field</source>
        <translation>分区名称字段</translation>
    </message>
    <message>
        <source>Regions and extras</source>
        <translation>分区与其他</translation>
    </message>
    <message>
        <source>Repair (make valid) and log</source>
        <translation>修复（生成有效几何）并记录</translation>
    </message>
    <message>
        <source>Report title</source>
        <translation>报表标题</translation>
    </message>
    <message>
        <source>Resident population (persons)</source>
        <translation>常住人口（人）</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结论</translation>
    </message>
    <message>
        <source>Revenue / cost of every package must reach this ratio; 0 = not checked.</source>
        <translation>每个资产包的收益成本比须达到此值；0 表示不校核。</translation>
    </message>
    <message>
        <source>Revenue − cost of every package must reach this figure (万元). 0: each package at least breaks even.</source>
        <translation>每个资产包的收益 − 成本须达到此值（万元）。0：每个资产包至少收支平衡。</translation>
    </message>
    <message>
        <source>Role names of the other control layers, in the same order, separated by ';' (e.g. 历史文化保护线;洪涝风险控制线). They must match the role column of the rule profile; default: the layer names.</source>
        <translation>其他控制线图层的控制线类型名称，按图层顺序排列，以“;”分隔（如 历史文化保护线;洪涝风险控制线）。名称须与规则方案中的控制线类型（role）列一致；默认使用图层名称。</translation>
    </message>
    <message>
        <source>Roles of the other layers</source>
        <translation>其他图层的控制线类型</translation>
    </message>
    <message>
        <source>Rounded base-year total in the chosen unit.</source>
        <translation>按所选单位取整后的基期合计。</translation>
    </message>
    <message>
        <source>Rounded target-year total in the chosen unit.</source>
        <translation>按所选单位取整后的目标年合计。</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行号</translation>
    </message>
    <message>
        <source>Rows item (总面积, 农用地, 耕地, 水田, 水浇地, 旱地, 建设用地, 未利用地), area, unit (公顷 default, 平方米 or 亩). Not given: the 总面积 is the coordinate area of the project polygons and the classes are shown without a comparison.</source>
        <translation>各行包含 item（总面积、农用地、耕地、水田、水浇地、旱地、建设用地、未利用地）、area（面积）、unit（单位，默认公顷，可为平方米或亩）。未指定时总面积取勘测定界范围图形的平面坐标面积，各地类只列套合面积、不作对比。</translation>
    </message>
    <message>
        <source>Rows listed on 未纳入图斑</source>
        <translation>未纳入图斑表列出的行数</translation>
    </message>
    <message>
        <source>Rows listed per detail sheet</source>
        <translation>明细表列出的行数</translation>
    </message>
    <message>
        <source>Rows of the suspected-problem list in the workbook</source>
        <translation>工作簿中疑似问题图斑列表行数</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>规则</translation>
    </message>
    <message>
        <source>Rule applied</source>
        <translation>判定依据</translation>
    </message>
    <message>
        <source>Rule profile</source>
        <translation>规则方案</translation>
    </message>
    <message>
        <source>Rule profile (CSV or xlsx)</source>
        <translation>规则方案（CSV 或 xlsx）</translation>
    </message>
    <message>
        <source>Rule profile editable in Excel/WPS; default: data/rule_profiles/national_default.csv (全国默认, draft, with evidence marks).</source>
        <translation>可在 Excel/WPS 中编辑的规则方案；默认为 data/rule_profiles/national_default.csv（全国默认，草案，附依据标注）。</translation>
    </message>
    <message>
        <source>Rule profiles (*.csv *.xlsx)</source>
        <translation>规则方案 (*.csv *.xlsx)</translation>
    </message>
    <message>
        <source>Rules with the project type 现状变化. Not given: data/rule_profiles/change_monitoring.csv (F01–F04). A province's rules are a file of the same columns.</source>
        <translation>项目类型为“现状变化”的规则。未指定时使用 data/rule_profiles/change_monitoring.csv（F01–F04）。各省规则为列结构相同的另一个文件。</translation>
    </message>
    <message>
        <source>Run check</source>
        <translation>运行检查</translation>
    </message>
    <message>
        <source>Save the Excel report</source>
        <translation>保存 Excel 报表</translation>
    </message>
    <message>
        <source>Select a row to select its package on the map and zoom to it.</source>
        <translation>选中一行即在地图上选中该资产包并缩放至其范围。</translation>
    </message>
    <message>
        <source>Share (%)</source>
        <translation>比重（%）</translation>
    </message>
    <message>
        <source>Share of construction land (公益性 + 经营性)</source>
        <translation>占建设用地比例（公益性 + 经营性）</translation>
    </message>
    <message>
        <source>Share of the whole package area</source>
        <translation>占资产包总面积比例</translation>
    </message>
    <message>
        <source>Show only the rows with this result</source>
        <translation>只显示该结论的行</translation>
    </message>
    <message>
        <source>Skip and count</source>
        <translation>跳过并计数</translation>
    </message>
    <message>
        <source>Sliver tolerance</source>
        <translation>碎片容差</translation>
    </message>
    <message>
        <source>Sliver tolerance (m²)</source>
        <translation>碎片容差（平方米）</translation>
    </message>
    <message>
        <source>Smallest change piece listed (m²)</source>
        <translation>列出变化图斑的最小面积（平方米）</translation>
    </message>
    <message>
        <source>Smallest package (公顷).</source>
        <translation>最小资产包面积（公顷）。</translation>
    </message>
    <message>
        <source>Source classification</source>
        <translation>源分类体系</translation>
    </message>
    <message>
        <source>Split allowed, reported per package</source>
        <translation>允许拆分，按资产包报告</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Stop with an error</source>
        <translation>报错停止</translation>
    </message>
    <message>
        <source>Structure table</source>
        <translation>结构表</translation>
    </message>
    <message>
        <source>Structure template</source>
        <translation>结构表模板</translation>
    </message>
    <message>
        <source>Subject area field (m²)</source>
        <translation>审查对象面积字段（平方米）</translation>
    </message>
    <message>
        <source>Subject classification</source>
        <translation>审查对象分类体系</translation>
    </message>
    <message>
        <source>Subject id field</source>
        <translation>审查对象编号字段</translation>
    </message>
    <message>
        <source>Subject land-use code field</source>
        <translation>审查对象地类编码字段</translation>
    </message>
    <message>
        <source>Subject layer</source>
        <translation>审查对象图层</translation>
    </message>
    <message>
        <source>Subject layer (plan or project)</source>
        <translation>审查对象图层（规划或项目）</translation>
    </message>
    <message>
        <source>Subject verdicts</source>
        <translation>审查对象结论</translation>
    </message>
    <message>
        <source>Subjects</source>
        <translation>审查对象</translation>
    </message>
    <message>
        <source>Subjects 不通过</source>
        <translation>不通过的审查对象数</translation>
    </message>
    <message>
        <source>Subjects 通过</source>
        <translation>通过的审查对象数</translation>
    </message>
    <message>
        <source>Subjects 需论证</source>
        <translation>需论证的审查对象数</translation>
    </message>
    <message>
        <source>Survey fit of a project (报批套合分析)</source>
        <translation>报批套合分析</translation>
    </message>
    <message>
        <source>Survey fit: {0} ({1:.1f} s).</source>
        <translation>报批套合分析：{0}（用时 {1:.1f} 秒）。</translation>
    </message>
    <message>
        <source>Suspected problems</source>
        <translation>疑似问题图斑</translation>
    </message>
    <message>
        <source>Suspected problems (疑似问题图斑)</source>
        <translation>疑似问题图斑</translation>
    </message>
    <message>
        <source>Suspected-problem parts</source>
        <translation>疑似问题图斑数</translation>
    </message>
    <message>
        <source>Suspected-problem rule profile (CSV or xlsx)</source>
        <translation>疑似问题规则方案（CSV 或 xlsx）</translation>
    </message>
    <message>
        <source>Table layout</source>
        <translation>表格版式</translation>
    </message>
    <message>
        <source>Table layout shipped in data/structure_templates: the county 国土空间功能结构调整表 (default) or the 用地用海 level-1/level-2 detail table.</source>
        <translation>data/structure_templates 中的内置版式：县级国土空间功能结构调整表（默认）或用地用海一、二级明细表。</translation>
    </message>
    <message>
        <source>Table template</source>
        <translation>表格模板</translation>
    </message>
    <message>
        <source>Table with one row per source code: YDM code, YMC name, TBSL feature count, MJ_PFM area m², MJ_GQ area ha, target code/name, type, flag and note.</source>
        <translation>每个源编码一行的汇总表：YDM 编码、YMC 名称、TBSL 图斑数、MJ_PFM 面积（平方米）、MJ_GQ 面积（公顷）、目标编码/名称、对应类型、标记和备注。</translation>
    </message>
    <message>
        <source>Tables (*.csv *.xlsx)</source>
        <translation>表格 (*.csv *.xlsx)</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标值</translation>
    </message>
    <message>
        <source>Target area</source>
        <translation>目标年面积</translation>
    </message>
    <message>
        <source>Target area field (m²)</source>
        <translation>目标年面积字段（平方米）</translation>
    </message>
    <message>
        <source>Target classification</source>
        <translation>目标分类体系</translation>
    </message>
    <message>
        <source>Target land-use code field</source>
        <translation>目标年地类代码字段</translation>
    </message>
    <message>
        <source>Target table (CSV or xlsx)</source>
        <translation>规划指标表（CSV 或 xlsx）</translation>
    </message>
    <message>
        <source>Target tables (*.csv *.xlsx)</source>
        <translation>规划指标表 (*.csv *.xlsx)</translation>
    </message>
    <message>
        <source>Target total</source>
        <translation>目标年合计</translation>
    </message>
    <message>
        <source>Target year</source>
        <translation>目标年</translation>
    </message>
    <message>
        <source>Target 城镇村 field</source>
        <translation>目标年城镇村字段</translation>
    </message>
    <message>
        <source>Target-year layer (plan)</source>
        <translation>目标年图层（规划）</translation>
    </message>
    <message>
        <source>Template file (CSV or xlsx)</source>
        <translation>模板文件（CSV 或 xlsx）</translation>
    </message>
    <message>
        <source>Templates (*.csv *.xlsx)</source>
        <translation>模板 (*.csv *.xlsx)</translation>
    </message>
    <message>
        <source>Test relaxing the binding constraints</source>
        <translation>测算放宽约束的效果</translation>
    </message>
    <message>
        <source>The DLTB layer is the subject layer: read once.</source>
        <translation>现状地类图斑图层即审查对象图层：只读取一次。</translation>
    </message>
    <message>
        <source>The area basis is 'attribute field' but no area field is chosen (e.g. TBMJ).</source>
        <translation>面积口径为“属性字段”，但未选择面积字段（如 TBMJ）。</translation>
    </message>
    <message>
        <source>The area basis is 'attribute field' but no area field is chosen. Choose e.g. TBMJ.</source>
        <translation>面积口径为“属性字段”，但未选择面积字段。请选择面积字段，如 TBMJ。</translation>
    </message>
    <message>
        <source>The area basis is 'attribute field' but no base area field (e.g. TBDLMJ) is chosen.</source>
        <translation>面积口径为“属性字段”，但未选择基期面积字段（如 TBDLMJ）。</translation>
    </message>
    <message>
        <source>The area basis is 'attribute field' but no subject area field is chosen.</source>
        <translation>面积口径为“属性字段”，但未选择审查对象面积字段。</translation>
    </message>
    <message>
        <source>The area basis is 'attribute field' but the {0} vintage has no area field chosen (e.g. TBMJ).</source>
        <translation>面积口径为“属性字段”，但{0}数据未选择面积字段（如 TBMJ）。</translation>
    </message>
    <message>
        <source>The base-year and target-year layers are the same layer: choose the plan layer as the target.</source>
        <translation>基期与目标年选择了同一个图层：请选择规划图层作为目标年图层。</translation>
    </message>
    <message>
        <source>The change detection failed: {0}</source>
        <translation>变化图斑分析失败：{0}</translation>
    </message>
    <message>
        <source>The compliance check failed: {0}</source>
        <translation>合规性检查失败：{0}</translation>
    </message>
    <message>
        <source>The constraint that keeps the most parcels out, with figures, and what each relaxation gains when tested.</source>
        <translation>限制未纳入图斑最多的约束及其数字；勾选测算时，还有每项放宽能多纳入的图斑数。</translation>
    </message>
    <message>
        <source>The constraint that keeps the most parcels out: {0} ({1} parcels, {2} of them proven unplaceable).</source>
        <translation>限制未纳入图斑最多的约束：{0}（{1} 个图斑，其中 {2} 个已证明无论如何划定都无法纳入）。</translation>
    </message>
    <message>
        <source>The earlier and the later vintage are the same layer: choose two vintages.</source>
        <translation>前期与后期选择了同一个图层：请选择两期不同的地类图斑。</translation>
    </message>
    <message>
        <source>The finance table {0} holds EXAMPLE values: replace them with local benchmark prices before using the figures.</source>
        <translation>资金测算单价表 {0} 为示例值：使用计算结果前请替换为本地基准价格。</translation>
    </message>
    <message>
        <source>The folder of the Excel report {0} does not exist. Choose an existing folder.</source>
        <translation>Excel 报表 {0} 所在的文件夹不存在，请选择已有的文件夹。</translation>
    </message>
    <message>
        <source>The input already has fields {0}; they are replaced by the new values.</source>
        <translation>输入图层已有字段 {0}，其值将被新值替换。</translation>
    </message>
    <message>
        <source>The input features with ZH_DM (target code), ZH_MC (target name), ZH_YJDM/ZH_YJMC (level-1 code and name), ZH_LX (mapping type) and ZH_BZ (flag 待细分 / 未识别 / 空值) added.</source>
        <translation>输入图斑，并新增 ZH_DM（目标编码）、ZH_MC（目标名称）、ZH_YJDM/ZH_YJMC（一级类编码和名称）、ZH_LX（对应类型）和 ZH_BZ（标记：待细分/未识别/空值）字段。</translation>
    </message>
    <message>
        <source>The land parcels packages are made of (地类图斑 DLTB or 清查图斑); a parcel is never split.</source>
        <translation>组成资产包的土地图斑（地类图斑 DLTB 或清查图斑）；图斑不拆分。</translation>
    </message>
    <message>
        <source>The later vintage's indicators against the target table, with the change since the earlier one.</source>
        <translation>按后期数据计算各项指标并对照规划指标表判定，同时给出较前期的变化。</translation>
    </message>
    <message>
        <source>The latest 年度变更调查 DLTB, as the 报批 rules require (三调 as the basis, the latest 变更调查 as the figure).</source>
        <translation>按报批要求采用最新年度变更调查 DLTB（以三调为基础、以最新年度变更调查数据为准）。</translation>
    </message>
    <message>
        <source>The latest 年度变更调查 DLTB: the current value of every indicator comes from it.</source>
        <translation>最新一期年度变更调查 DLTB：各项指标的现状值均据此计算。</translation>
    </message>
    <message>
        <source>The maximum package area ({0} ha) is smaller than the minimum ({1} ha).</source>
        <translation>资产包最大面积（{0} 公顷）小于最小面积（{1} 公顷）。</translation>
    </message>
    <message>
        <source>The overlay pieces (base parcel ∩ plan parcel) with both codes and rows and the apportioned area.</source>
        <translation>叠加碎片（基期图斑 ∩ 规划图斑），含双方代码、所在行及分摊面积。</translation>
    </message>
    <message>
        <source>The package delineation failed: {0}</source>
        <translation>资产包划定失败：{0}</translation>
    </message>
    <message>
        <source>The parts of change pieces that a rule of the profile flags (inside 永久基本农田 or 生态保护红线, outside 城镇开发边界), with the rule, its message and the control feature.</source>
        <translation>被规则方案中的规则标记的变化图斑部分（位于永久基本农田或生态保护红线内、城镇开发边界外），含所触发的规则、提示信息及对应的控制线要素。</translation>
    </message>
    <message>
        <source>The plan has no area field: its areas are computed on the ellipsoid.</source>
        <translation>规划图层没有面积字段：按椭球面积计算其图斑面积。</translation>
    </message>
    <message>
        <source>The plan's indicators: green 达标, amber 预警, red 未达标.</source>
        <translation>规划实施监测指标：绿色为达标，黄色为预警，红色为未达标。</translation>
    </message>
    <message>
        <source>The plan's target table (规划指标表)</source>
        <translation>规划指标表</translation>
    </message>
    <message>
        <source>The plan's 规划指标表: indicator (id or name), target (a number, or lo~hi for an interval), attribute (约束性/预期性), warn (optional). data/monitoring/targets_example.csv shows the columns. Not given: values only (无目标).</source>
        <translation>规划指标表：indicator（指标编号或名称）、target（目标值，为数值或以 lo~hi 表示的区间）、attribute（约束性/预期性）、warn（预警值，可选）。列结构见 data/monitoring/targets_example.csv。未指定时仅计算指标值（无目标）。</translation>
    </message>
    <message>
        <source>The project has no polygon layer to compare: add the base-year land-use layer (DLTB) and the plan layer (e.g. GHYD) to the project first.</source>
        <translation>项目中没有可比较的面图层：请先把基期土地利用现状图层（DLTB）和规划图层（如 GHYD）加入项目。</translation>
    </message>
    <message>
        <source>The project's 勘测定界 parcels (one or several polygons; overlapping parts count once).</source>
        <translation>项目的勘测定界范围图斑（一个或多个面；相互重叠的部分只计算一次）。</translation>
    </message>
    <message>
        <source>The public share maximum ({0} %) is below the minimum ({1} %).</source>
        <translation>公益性用地比例上限（{0} %）低于下限（{1} %）。</translation>
    </message>
    <message>
        <source>The report was written to:</source>
        <translation>报表已写入：</translation>
    </message>
    <message>
        <source>The rule profile used to admit excluded parcels. Not given: the national default profile (a draft; see data/rule_profiles).</source>
        <translation>用于放行排除图斑的规则方案。未指定时使用全国默认规则方案（草案，见 data/rule_profiles）。</translation>
    </message>
    <message>
        <source>The rule profile {0} has no rules for project type «{1}». Its project types are: {2}.</source>
        <translation>规则方案 {0} 中没有适用于项目类型“{1}”的规则。该方案的项目类型有：{2}。</translation>
    </message>
    <message>
        <source>The rule reads “总面积差异在1%以内或各地类面积差异在1%以内” [S]: 或 by default; stricter readings on request.</source>
        <translation>规定原文为“总面积差异在1%以内或各地类面积差异在1%以内” [S]：默认按“或”判定，也可选择更严格的判定方式。</translation>
    </message>
    <message>
        <source>The same as a share of the parcels that could take part.</source>
        <translation>同上，以占可参与图斑的比例表示。</translation>
    </message>
    <message>
        <source>The same seed gives the same packages; another seed gives another valid layout to compare.</source>
        <translation>相同随机种子得到相同的资产包；更换随机种子可得到另一种有效方案以便比较。</translation>
    </message>
    <message>
        <source>The structure table failed: {0}</source>
        <translation>结构表计算失败：{0}</translation>
    </message>
    <message>
        <source>The {0} layer «{1}» has no usable polygon: reported as 未检查 (not checked).</source>
        <translation>{0}图层「{1}」没有可用的面图形：记为未检查。</translation>
    </message>
    <message>
        <source>The {0} layer «{1}» is empty: reported as 未检查 (not checked).</source>
        <translation>{0}图层「{1}」为空：记为未检查。</translation>
    </message>
    <message>
        <source>Timings: {0}</source>
        <translation>耗时：{0}</translation>
    </message>
    <message>
        <source>Tolerance (%)</source>
        <translation>容差（%）</translation>
    </message>
    <message>
        <source>Total difference tolerance (%)</source>
        <translation>合计差异容差（%）</translation>
    </message>
    <message>
        <source>Transition matrix</source>
        <translation>转换矩阵</translation>
    </message>
    <message>
        <source>Transition pieces</source>
        <translation>转换碎片</translation>
    </message>
    <message>
        <source>Transition pieces were asked for: the transition overlay is computed.</source>
        <translation>已要求输出转换碎片：将计算转换叠加。</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>Unit identifier field</source>
        <translation>单元标识字段</translation>
    </message>
    <message>
        <source>Unit layer (walls)</source>
        <translation>单元图层（边界）</translation>
    </message>
    <message>
        <source>Unit of the table: 公顷 (default), 亩 (1 公顷 = 15 亩) or 平方千米.</source>
        <translation>表格单位：公顷（默认）、亩（1 公顷 = 15 亩）或平方千米。</translation>
    </message>
    <message>
        <source>Unit values per 用地用海 class (万元/公顷). Not given: data/finance/finance_example.csv, whose values are EXAMPLES to replace with local prices.</source>
        <translation>各用地用海类的单价（万元/公顷）。不填则使用 data/finance/finance_example.csv，其中为示例值，须替换为本地价格。</translation>
    </message>
    <message>
        <source>Unit-price table</source>
        <translation>资金测算单价表</translation>
    </message>
    <message>
        <source>Urban development boundary (CZKFBJ). Building outside it is checked too. Not given: 未检查.</source>
        <translation>城镇开发边界（CZKFBJ）。边界外的建设也会检查。未提供时为“未检查”。</translation>
    </message>
    <message>
        <source>Urban development boundary (CZKFBJ): its area, and the share of 城乡建设用地 inside it.</source>
        <translation>城镇开发边界（CZKFBJ）：计算其面积及边界内城乡建设用地所占比例。</translation>
    </message>
    <message>
        <source>Urban development boundary (CZKFBJ): new 城镇类 construction outside it is to be checked.</source>
        <translation>城镇开发边界（CZKFBJ）：边界外新增的城镇类建设用地需核查。</translation>
    </message>
    <message>
        <source>Urban resident population (persons)</source>
        <translation>城镇常住人口（人）</translation>
    </message>
    <message>
        <source>Validate asset packages</source>
        <translation>校核资产包</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>审查结论</translation>
    </message>
    <message>
        <source>Verdicts: {0} 通过, {1} 不通过, {2} 需论证 ({3:.1f} s).</source>
        <translation>审查结论：通过 {0} 个，不通过 {1} 个，需论证 {2} 个（用时 {3:.1f} 秒）。</translation>
    </message>
    <message>
        <source>Vintages</source>
        <translation>两期数据</translation>
    </message>
    <message>
        <source>What binds</source>
        <translation>约束分析</translation>
    </message>
    <message>
        <source>What to do with features whose geometry is invalid (e.g. a self-intersecting bowtie), empty or NULL: stop with an error naming them, skip them (not written, out of every count and area, listed in the log), or repair them (make valid) and log. Features whose coordinates lie outside the CRS's area of use are always left out and listed.</source>
        <translation>图形无效（如自相交的“领结”多边形）、为空或 NULL 的要素如何处理：报错并列出要素、跳过（不写入输出，不计入任何数量和面积，在日志中列出），或修复（make valid）并记录。坐标超出坐标系适用范围的要素一律不计入并列出。</translation>
    </message>
    <message>
        <source>What to do with invalid geometries in any input: stop with an error naming them, skip and count them, or repair them (make valid) and log.</source>
        <translation>任一输入中出现无效几何图形时的处理方式：报错停止并列出这些要素、跳过并计数，或修复（生成有效几何）并记录。</translation>
    </message>
    <message>
        <source>What to do with invalid geometries: stop with an error naming them, skip and count them, or repair them (make valid) and log.</source>
        <translation>无效图形的处理方式：报错并列出、跳过并计数，或修复（make valid）并记录。</translation>
    </message>
    <message>
        <source>What to do with invalid geometries: stop with an error naming them, skip and count them, or repair them and log.</source>
        <translation>无效几何图形的处理方式：报错停止并列出这些要素、跳过并计数，或修复并记录。</translation>
    </message>
    <message>
        <source>What-if {0}: {1} → {2} parcels packaged ({3:+d}).</source>
        <translation>放宽{0}：{1} → 纳入 {2} 个图斑（{3:+d}）。</translation>
    </message>
    <message>
        <source>When ticked, a parcel inside an exclusion layer still takes part if the rule profile passes its planned class there for project type 规划方案 (e.g. forest staying forest in 生态保护红线 一般控制区). The layer's role comes from its name (永久基本农田/YJJBNT, 生态保护红线/STBHHX, 城镇开发边界/CZKFBJ or a role the profile names); zones from ZRBHDFQ/GHFQMC when the layer has them. Every admission is counted in the report.</source>
        <translation>勾选后，位于排除图层内的图斑，若规则方案对其规划地类（项目类型“规划方案”）判定为“通过”，仍参与划定（如生态保护红线一般控制区内保持林地）。图层的管控类型按图层名识别（永久基本农田/YJJBNT、生态保护红线/STBHHX、城镇开发边界/CZKFBJ，或规则方案中定义的类型）；图层有 ZRBHDFQ/GHFQMC 字段时按分区判定。每项放行都在报告中计数说明。</translation>
    </message>
    <message>
        <source>Which side the difference is divided by; the source does not say [R].</source>
        <translation>差异率以哪一方面积为分母；规定原文未明确 [R]。</translation>
    </message>
    <message>
        <source>Workbook: 变化汇总, 变化流向矩阵, 耕地流向与进出平衡, 疑似问题图斑, 数据说明.</source>
        <translation>工作簿：变化汇总、变化流向矩阵、耕地流向与进出平衡、疑似问题图斑、数据说明。</translation>
    </message>
    <message>
        <source>Workbook: 报批套合分析表 and 数据说明.</source>
        <translation>工作簿：报批套合分析表、数据说明。</translation>
    </message>
    <message>
        <source>Workbook: 规划实施监测指标 (coloured by status) and 数据说明.</source>
        <translation>工作簿：规划实施监测指标（按状态着色）、数据说明。</translation>
    </message>
    <message>
        <source>Workbook: 资产包汇总, 资金平衡, 六项清单 (one list, a block of rows per package), 未纳入图斑, 数据说明.</source>
        <translation>工作簿：资产包汇总、资金平衡、六项清单（一张清单，每个资产包一组行）、未纳入图斑、数据说明。</translation>
    </message>
    <message>
        <source>Working CRS: {0}</source>
        <translation>工作坐标系：{0}</translation>
    </message>
    <message>
        <source>area field</source>
        <translation>面积字段</translation>
    </message>
    <message>
        <source>attribute field (m²)</source>
        <translation>属性字段（平方米）</translation>
    </message>
    <message>
        <source>attribute field {0} (m²)</source>
        <translation>属性字段 {0}（平方米）</translation>
    </message>
    <message>
        <source>attribute: the area field (TBMJ, with 田坎), the official survey figures; ellipsoidal or planar: computed.</source>
        <translation>属性字段：取面积字段（TBMJ，含田坎），即调查官方数据；椭球面积或平面面积：按图形计算。</translation>
    </message>
    <message>
        <source>attribute: the area fields (TBMJ), the official survey figures; ellipsoidal: CGCS2000 ellipsoidal area of the geometry; planar: area in the projected CRS. Each piece takes its earlier parcel's area in proportion to its planar share.</source>
        <translation>属性字段：取面积字段（TBMJ），即调查官方数据；椭球面积：图形的 CGCS2000 椭球面积；平面面积：投影坐标系中的面积。各碎块按其平面面积占比分摊所属前期图斑的面积。</translation>
    </message>
    <message>
        <source>attribute: the base area field (TBDLMJ) with 田坎 from the deduction field, the official 三调 figures; ellipsoidal: CGCS2000 ellipsoidal area of the geometry (the TBMJ method); planar: area in the projected CRS.</source>
        <translation>attribute：基期面积字段（TBDLMJ）加扣除字段中的田坎，即三调官方数据；ellipsoidal：图形的 CGCS2000 椭球面积（TBMJ 算法）；planar：投影坐标系中的平面面积。</translation>
    </message>
    <message>
        <source>attribute: the survey's area field (TBMJ), shared by planar proportion; ellipsoidal or planar: computed.</source>
        <translation>属性字段：取变更调查的面积字段（TBMJ），按平面面积比例分摊；椭球面积或平面面积：按图形计算。</translation>
    </message>
    <message>
        <source>base area field</source>
        <translation>基期面积字段</translation>
    </message>
    <message>
        <source>base code field</source>
        <translation>基期代码字段</translation>
    </message>
    <message>
        <source>base 城镇村 field</source>
        <translation>基期城镇村字段</translation>
    </message>
    <message>
        <source>code blank; recognised by name «{0}»</source>
        <translation>编码为空；已按名称“{0}”识别</translation>
    </message>
    <message>
        <source>code field</source>
        <translation>地类编码字段</translation>
    </message>
    <message>
        <source>current land-use code field</source>
        <translation>现状地类编码字段</translation>
    </message>
    <message>
        <source>deduction field</source>
        <translation>扣除面积字段</translation>
    </message>
    <message>
        <source>e.g. 某某县 (in the title)</source>
        <translation>如 某某县（用于标题）</translation>
    </message>
    <message>
        <source>earlier</source>
        <translation>前期</translation>
    </message>
    <message>
        <source>ellipsoidal area by QGIS on ellipsoid {0} ({1})</source>
        <translation>由 QGIS 在椭球 {0} 上计算的椭球面积（{1}）</translation>
    </message>
    <message>
        <source>ellipsoidal area on CGCS2000 from Gauss-Krüger coordinates ({0}), the 三调 TBMJ method</source>
        <translation>由高斯-克吕格坐标（{0}）在 CGCS2000 椭球上计算的椭球面积，即三调 TBMJ 的算法</translation>
    </message>
    <message>
        <source>exclusion field</source>
        <translation>排除字段</translation>
    </message>
    <message>
        <source>field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>from_group → to_group → category (耕地流出, 新增建设用地 …) with its ledger. Not given: data/monitoring/change_rules.csv (C01–C13).</source>
        <translation>from_group（前期地类组）→ to_group（后期地类组）→ category（变化类别，如耕地流出、新增建设用地等）及所属台账。未指定时使用 data/monitoring/change_rules.csv（C01–C13）。</translation>
    </message>
    <message>
        <source>ha</source>
        <translation>公顷</translation>
    </message>
    <message>
        <source>km²</source>
        <translation>平方千米</translation>
    </message>
    <message>
        <source>land-use code field</source>
        <translation>地类编码字段</translation>
    </message>
    <message>
        <source>later</source>
        <translation>后期</translation>
    </message>
    <message>
        <source>locked package field</source>
        <translation>锁定资产包字段</translation>
    </message>
    <message>
        <source>mu</source>
        <translation>亩</translation>
    </message>
    <message>
        <source>name field</source>
        <translation>地类名称字段</translation>
    </message>
    <message>
        <source>not applicable</source>
        <translation>不适用</translation>
    </message>
    <message>
        <source>not given</source>
        <translation>未输入</translation>
    </message>
    <message>
        <source>occupied (ha)</source>
        <translation>占用（公顷）</translation>
    </message>
    <message>
        <source>ownership field</source>
        <translation>权属性质字段</translation>
    </message>
    <message>
        <source>ownership unit field</source>
        <translation>权属单位字段</translation>
    </message>
    <message>
        <source>ownership unit name field</source>
        <translation>权属单位名称字段</translation>
    </message>
    <message>
        <source>package id field</source>
        <translation>资产包编号字段</translation>
    </message>
    <message>
        <source>package polygon id field</source>
        <translation>资产包多边形编号字段</translation>
    </message>
    <message>
        <source>parcel identifier field</source>
        <translation>图斑标识字段</translation>
    </message>
    <message>
        <source>plan layer code field</source>
        <translation>规划图层编码字段</translation>
    </message>
    <message>
        <source>planar area in {0}</source>
        <translation>{0} 下的平面面积</translation>
    </message>
    <message>
        <source>planned land-use code field</source>
        <translation>规划地类编码字段</translation>
    </message>
    <message>
        <source>region name field</source>
        <translation>分区名称字段</translation>
    </message>
    <message>
        <source>rows</source>
        <translation>行</translation>
    </message>
    <message>
        <source>rules</source>
        <translation>条规则</translation>
    </message>
    <message>
        <source>status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>subject area field</source>
        <translation>审查对象面积字段</translation>
    </message>
    <message>
        <source>subject code field</source>
        <translation>审查对象地类编码字段</translation>
    </message>
    <message>
        <source>subject id field</source>
        <translation>审查对象编号字段</translation>
    </message>
    <message>
        <source>target area field</source>
        <translation>目标年面积字段</translation>
    </message>
    <message>
        <source>target code field</source>
        <translation>目标年代码字段</translation>
    </message>
    <message>
        <source>target 城镇村 field</source>
        <translation>目标年城镇村字段</translation>
    </message>
    <message>
        <source>unit identifier field</source>
        <translation>单元标识字段</translation>
    </message>
    <message>
        <source>{0} change pieces, {1} suspected-problem parts; 耕地 out {2} ha, in {3} ha ({4:.1f} s).</source>
        <translation>变化图斑 {0} 个，疑似问题图斑 {1} 个；耕地流出 {2} 公顷，流入 {3} 公顷（用时 {4:.1f} 秒）。</translation>
    </message>
    <message>
        <source>{0} change pieces, {1} suspected-problem parts; 耕地 out {2} ha, in {3} ha — {4:.1f} s</source>
        <translation>变化图斑 {0} 个，疑似问题图斑 {1} 个；耕地流出 {2} 公顷，流入 {3} 公顷 — 用时 {4:.1f} 秒</translation>
    </message>
    <message>
        <source>{0} features have a name that disagrees with their code; the code was used.</source>
        <translation>{0} 个图斑的名称与编码不一致，已按编码转换。</translation>
    </message>
    <message>
        <source>{0} features with a blank code were recognised by their name.</source>
        <translation>{0} 个编码为空的图斑已按名称识别。</translation>
    </message>
    <message>
        <source>{0} features: {1} converted directly, {2} flagged 待细分, {3} unknown codes, {4} blank codes.</source>
        <translation>共 {0} 个图斑：直接转换 {1} 个，标记为“待细分” {2} 个，未识别编码 {3} 个，空编码 {4} 个。</translation>
    </message>
    <message>
        <source>{0} indicators: 达标 {1}, 预警 {2}, 未达标 {3} ({4:.1f} s).</source>
        <translation>共 {0} 项指标：达标 {1} 项，预警 {2} 项，未达标 {3} 项（用时 {4:.1f} 秒）。</translation>
    </message>
    <message>
        <source>{0} packages ({1} failing a constraint); {2} eligible parcels not in a package ({3:.1f} %); {4:.1f} s.</source>
        <translation>{0} 个资产包（{1} 个未满足约束）；{2} 个可参与图斑未纳入资产包（{3:.1f} %）；用时 {4:.1f} 秒。</translation>
    </message>
    <message>
        <source>{0} packages, {1} failing a constraint; {2} eligible parcels left out ({3:.1f} %) — {4:.1f} s</source>
        <translation>共 {0} 个资产包，{1} 个未满足约束；{2} 个可参与图斑未纳入（{3:.1f} %）— 用时 {4:.1f} 秒</translation>
    </message>
    <message>
        <source>{0}: not checked ({1}).</source>
        <translation>{0}：未检查（{1}）。</translation>
    </message>
    <message>
        <source>{0}: {1} features ({2} pieces after subdivision, largest {3} vertices); {4} subjects occupy {5:.4f} ha; slivers {6:.2f} m².</source>
        <translation>{0}：{1} 个要素（切分后 {2} 块，最多 {3} 个节点）；{4} 个审查对象占用 {5:.4f} 公顷；碎片 {6:.2f} 平方米。</translation>
    </message>
    <message>
        <source>三调 land-use code field of the DLTB layer (DLBM).</source>
        <translation>DLTB 图层的三调地类编码字段（DLBM）。</translation>
    </message>
    <message>
        <source>三调工作分类</source>
        <translation>三调工作分类</translation>
    </message>
    <message>
        <source>三调工作分类 (3rd national land survey)</source>
        <translation>三调工作分类（第三次全国国土调查）</translation>
    </message>
    <message>
        <source>亩 (mu)</source>
        <translation>亩</translation>
    </message>
    <message>
        <source>公顷 (ha)</source>
        <translation>公顷</translation>
    </message>
    <message>
        <source>勘测定界面积 (the declared side)</source>
        <translation>勘测定界面积（勘测定界表一方）</translation>
    </message>
    <message>
        <source>变化图斑分析: overlays two DLTB vintages (三调 and a 年度变更调查, or any two years; the same or different classifications) into change pieces, each with its from → to class (level 1 and 2, 三大类) and area on the 三调 rules (the earlier parcel's area shared by planar proportion; 田坎 follows its parcel; 耕地 net of 田坎). Change categories (耕地流出/流入, 新增建设用地, 建设用地减少 …) come from an editable rule table, the suspected problems from a rule profile with the project type 现状变化 against 永久基本农田, 生态保护红线 and 城镇开发边界. Land only one vintage covers is reported, never dropped. Outputs: change layer, suspected-problem layer, flow matrix and an Excel workbook.</source>
        <translation>变化图斑分析：将两期 DLTB（三调与某一年度变更调查，或任意两个年份；分类体系可相同或不同）叠加生成变化图斑，每个变化图斑给出地类由何变为何（一级类、二级类及三大类）以及按三调规则计算的面积（前期图斑面积按平面面积比例分摊；田坎随所在图斑；耕地面积扣除田坎）。变化类别（耕地流出/流入、新增建设用地、建设用地减少等）依据可编辑的变化类别规则表确定；疑似问题图斑依据项目类型为“现状变化”的规则方案，对照永久基本农田、生态保护红线和城镇开发边界判定。仅一期覆盖的土地予以报告，绝不丢弃。输出：变化图斑图层、疑似问题图斑图层、流向矩阵及 Excel 工作簿。</translation>
    </message>
    <message>
        <source>城镇/村庄 of each plan parcel (CZCSXM codes or the words 城镇/村庄). Not given: the class rule of data/structure_templates/czcs_class_rule.csv (0703/0704 村庄, other 城乡建设类 城镇).</source>
        <translation>每个规划图斑属于城镇或村庄（CZCSXM 代码或“城镇/村庄”字样）。不填则按 data/structure_templates/czcs_class_rule.csv 的地类规则判定（0703/0704 为村庄，其余城乡建设类为城镇）。</translation>
    </message>
    <message>
        <source>城镇常住人口 (persons), for 人均城镇建设用地面积</source>
        <translation>城镇常住人口（人），用于计算人均城镇建设用地面积</translation>
    </message>
    <message>
        <source>城镇常住人口, for 人均城镇建设用地面积; 0: not computed (无法计算).</source>
        <translation>城镇常住人口，用于计算人均城镇建设用地面积；填 0 时不计算（无法计算）。</translation>
    </message>
    <message>
        <source>城镇开发边界 layer</source>
        <translation>城镇开发边界图层</translation>
    </message>
    <message>
        <source>城镇村 field</source>
        <translation>城镇村属性码字段</translation>
    </message>
    <message>
        <source>城镇村属性码 (CZCSXM: 201/202 城镇, 203 村庄, with A): needed for 城乡建设用地 and the per-capita indicators.</source>
        <translation>城镇村属性码（CZCSXM：201/202 城镇，203 村庄，含 A）：计算城乡建设用地及人均类指标时需要。</translation>
    </message>
    <message>
        <source>城镇村属性码 of the base (CZCSXM: 201/202 城镇, 203 村庄, with A). Splits 城乡建设用地 into 城镇用地 and 村庄用地.</source>
        <translation>基期的城镇村属性码（CZCSXM：201/202 城镇，203 村庄，含 A）。用于把城乡建设用地分为城镇用地和村庄用地。</translation>
    </message>
    <message>
        <source>套合面积 (the survey side)</source>
        <translation>套合面积（变更调查一方）</translation>
    </message>
    <message>
        <source>审查结论 and 冲突明细 list at most this many rows (不通过 first); every row is in a CSV beside the workbook (&lt;name&gt;_审查结论.csv, &lt;name&gt;_冲突明细.csv) and in the layers. 0 lists every row (slow and hundreds of pages for a county).</source>
        <translation>审查结论表与冲突明细表最多列出的行数（不通过在前）；全部行见工作簿旁的 CSV 文件（&lt;名称&gt;_审查结论.csv、&lt;名称&gt;_冲突明细.csv）及输出图层。0 表示全部列出（县域数据会很慢、数百页）。</translation>
    </message>
    <message>
        <source>常住人口, for indicators per resident defined in the indicator table; 0: not given.</source>
        <translation>常住人口，用于指标定义表中按常住人口计算的人均指标；填 0 表示未提供。</translation>
    </message>
    <message>
        <source>平方千米 (km²)</source>
        <translation>平方千米</translation>
    </message>
    <message>
        <source>总面积 and every class</source>
        <translation>总面积和各地类均在容差以内</translation>
    </message>
    <message>
        <source>总面积 only</source>
        <translation>仅总面积</translation>
    </message>
    <message>
        <source>总面积 or every class within the tolerance (as the source reads)</source>
        <translation>总面积或各地类在容差以内（按原文）</translation>
    </message>
    <message>
        <source>报批套合分析: intersects a project's 勘测定界 parcels with the latest 年度变更调查 DLTB and tables the area by 农用地 / 耕地 (水田, 水浇地, 旱地) / 建设用地 / 未利用地 on both sides, the difference, the difference rate and whether it is within the tolerance (1 % by default), as the table 报批 files carry. The declared side comes from a small table (the 勘测定界表); its 总面积 defaults to the coordinate area of the project polygons.</source>
        <translation>报批套合分析：将项目的勘测定界范围图斑与最新年度变更调查 DLTB 叠加，分别列出勘测定界与套合两方的农用地/耕地（水田、水浇地、旱地）/建设用地/未利用地面积，以及差值、差异率和是否在容差以内（默认 1%），即报批材料所附的套合分析表。勘测定界一方的面积取自一张小表（勘测定界表），其总面积默认取勘测定界范围图形的平面坐标面积。</translation>
    </message>
    <message>
        <source>新增建设用地 (ha)</source>
        <translation>新增建设用地（公顷）</translation>
    </message>
    <message>
        <source>未纳入图斑 lists at most this many parcels (by reason); every one is in a CSV beside the workbook (&lt;name&gt;_未纳入图斑.csv) and in the parcel assignment layer. 0 lists every parcel.</source>
        <translation>未纳入图斑表最多列出这么多个图斑（按原因排列）；全部图斑见工作簿旁的 CSV（&lt;文件名&gt;_未纳入图斑.csv）和图斑分配图层。0 表示全部列出。</translation>
    </message>
    <message>
        <source>权属单位代码: a unit is kept in one package or its split is reported (see the ownership rule).</source>
        <translation>权属单位代码：同一权属单位保持在一个资产包内，或报告其拆分情况（见权属单位完整性规则）。</translation>
    </message>
    <message>
        <source>权属单位名称, shown in the 资产清单.</source>
        <translation>权属单位名称，显示在资产清单中。</translation>
    </message>
    <message>
        <source>权属性质: 10/20 国有, 30/31/32/33/40 集体. Gives the state and collective area of each package; state and collective land may mix.</source>
        <translation>权属性质：10/20 为国有，30/31/32/33/40 为集体。用于统计各资产包的国有和集体土地面积；国有与集体土地可混合。</translation>
    </message>
    <message>
        <source>永久基本农田 layer</source>
        <translation>永久基本农田图层</translation>
    </message>
    <message>
        <source>生态保护红线 layer</source>
        <translation>生态保护红线图层</translation>
    </message>
    <message>
        <source>用地用海2020 (trial)</source>
        <translation>用地用海2020（试行）</translation>
    </message>
    <message>
        <source>用地用海2023</source>
        <translation>用地用海2023</translation>
    </message>
    <message>
        <source>田坎 coefficient field</source>
        <translation>田坎系数字段</translation>
    </message>
    <message>
        <source>田坎系数 (KCXS): indicators marked net=1 (耕地保有量) are net of it. Used when the layer has the field.</source>
        <translation>田坎系数（KCXS）：标记为 net=1 的指标（如耕地保有量）按扣除田坎后计算。图层含该字段时使用。</translation>
    </message>
    <message>
        <source>田坎系数 (KCXS): 耕地 is net of it and the 田坎 counts as 农用地. Used when the layer has the field.</source>
        <translation>田坎系数（KCXS）：耕地面积按扣除田坎后计算，田坎计入农用地。图层含该字段时使用。</translation>
    </message>
    <message>
        <source>田坎系数 (KCXS, 0–1): 耕地 figures are net of it. Used when the layer has the field.</source>
        <translation>田坎系数（KCXS，0–1）：耕地面积按扣除田坎后计算。图层含该字段时使用。</translation>
    </message>
    <message>
        <source>种植属性代码 (ZZSXDM: LS, FLS, LYFL, WG …). When both vintages have it, cropland that stays cropland but turns from grain to non-grain or unfarmed is reported (rule C14). Used when the layer has the field.</source>
        <translation>种植属性代码字段（ZZSXDM：LS、FLS、LYFL、WG 等）。两期都有该字段时，地类仍为耕地但由种植粮食作物变为非粮、粮与非粮轮作或未耕种的，按规则 C14 列出。图层有该字段时使用。</translation>
    </message>
    <message>
        <source>耕地流入 (ha, net of 田坎)</source>
        <translation>耕地流入（公顷，已扣除田坎）</translation>
    </message>
    <message>
        <source>耕地流出 (ha, net of 田坎)</source>
        <translation>耕地流出（公顷，已扣除田坎）</translation>
    </message>
    <message>
        <source>规划实施监测指标: computes the plan's indicators (耕地保有量, 永久基本农田保护面积, 生态保护红线面积, 建设用地总规模, 城乡建设用地规模, 城镇开发边界内城乡建设用地比例, per-capita indicators from the population …) from the current DLTB and the control lines, and judges each against the planner's target table: 达标 / 预警 / 未达标, with the change since a previous vintage when one is given. Indicator definitions (data/monitoring/indicators.csv) and the warning rules (status_rules.csv) are data with evidence marks: a province edits a row, not the code.</source>
        <translation>规划实施监测指标：依据现状地类图斑（DLTB）和控制线计算规划指标（耕地保有量、永久基本农田保护面积、生态保护红线面积、建设用地总规模、城乡建设用地规模、城镇开发边界内城乡建设用地比例、依据人口计算的人均指标等），并对照规划目标表逐项判定：达标/预警/未达标；提供上一期数据时同时给出较上一期的变化。指标定义（data/monitoring/indicators.csv）和预警规则（status_rules.csv）均为附依据标注的数据文件：各省只需修改相应行，无需改动代码。</translation>
    </message>
    <message>
        <source>通过 or 不通过, with the rule applied.</source>
        <translation>通过或不通过，并注明所用判定规则。</translation>
    </message>
    <message>
        <source>通过 {0} / 不通过 {1} / 需论证 {2} — {3} conflict pieces, {4:.1f} s</source>
        <translation>通过 {0} / 不通过 {1} / 需论证 {2} — 冲突图斑 {3} 个，用时 {4:.1f} 秒</translation>
    </message>
</context>
</TS>
