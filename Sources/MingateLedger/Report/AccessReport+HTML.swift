import MingatePolicy

extension AccessReport {
    /// The report as a page the person can read and the DPO can print: self-contained, no script, no external file.
    public var html: String {
        let text = self.text
        let e = Markup.escape
        let t = text.t
        var out = """
            <!doctype html>
            <html lang="\(language.rawValue)"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(text.title))</title>
            <style>
            body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d232a;line-height:1.45}
            header{border-bottom:3px solid #0b5394;padding-bottom:.8rem;margin-bottom:1.2rem}
            h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:2rem;color:#0b5394}h3{font-size:1.05rem;margin:.2rem 0}
            .meta{color:#4a5560;font-size:.92rem}.meta dt{float:left;clear:left;width:15rem;font-weight:600}.meta dd{margin:0 0 .2rem 15rem}
            .summary{background:#eef4fb;border-left:4px solid #0b5394;padding:.7rem 1rem;font-size:1.05rem}
            .recipient{border:1px solid #c9d3dd;border-radius:6px;padding:.8rem 1rem;margin:1rem 0;page-break-inside:avoid}
            .recipient .who{color:#4a5560;font-size:.92rem}
            table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.93rem}
            th,td{border:1px solid #d5dde5;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f3f6f9;width:12rem}
            .sensitive{color:#a61b1b;font-weight:600}.tag{font-size:.75rem;border:1px solid #a61b1b;border-radius:3px;padding:0 .25rem;margin-left:.3rem}
            .erasure{margin:.4rem 0 0;padding-left:1.2rem}.rights li{margin:.25rem 0}
            footer{margin-top:2rem;border-top:1px solid #c9d3dd;padding-top:.6rem;color:#4a5560;font-size:.8rem;word-break:break-all}
            @media print{body{margin:0}}
            </style></head><body>
            <header>
            <div class="meta">\(e(controller.map { [$0.name, $0.service].compactMap { $0 }.joined(separator: " · ") } ?? ""))</div>
            <h1>\(e(text.title))</h1>
            <dl class="meta">
            <dt>\(t("Nomor referensi", "Reference"))</dt><dd>\(e(reference ?? t("(tidak ada)", "(none)")))</dd>
            <dt>\(t("Dibuat pada", "Prepared on"))</dt><dd>\(e(text.date(generatedAt)))</dd>
            <dt>\(t("Penanggung jawab data", "Data controller"))</dt><dd>\(e(controller?.name ?? t("(tidak disebutkan dalam kebijakan)", "(not named in the policy)")))</dd>
            \(controller?.dpoEmail.map { "<dt>\(t("Petugas pelindungan data", "Data protection officer"))</dt><dd>\(e($0))</dd>" } ?? "")
            </dl>
            </header>
            <p>\(t("Laporan ini mencantumkan setiap pihak ketiga yang menerima data pribadi Anda dari kami: untuk tujuan apa, atas dasar hukum apa, jenis data apa, kapan, berapa lama mereka boleh menyimpannya, dan status penghapusan. Laporan dibuat dari catatan pengungkapan kami, yang tidak dapat diubah tanpa ketahuan.", "This report lists every third party that received your personal data from us: for what purpose, on what legal basis, which kinds of data, when, how long they may keep it, and where erasure stands. It is made from our disclosure records, which cannot be altered without detection."))</p>
            <p class="summary">\(e(text.summary(recipients: recipients.count)))</p>

            """
        if !recipients.isEmpty { out += "<h2>\(t("Penerima data Anda", "Who received your data"))</h2>\n" }
        for recipient in recipients {
            out += """
                <section class="recipient">
                <h3>\(e(recipient.name))</h3>
                <div class="who">\(e(recipient.legalEntity)) · \(e(recipient.countryName))\(recipient.country.isEmpty || recipient.country == "ID" ? "" : " · " + t("di luar Indonesia", "outside Indonesia"))</div>

                """
            for use in recipient.uses {
                let categories = use.categories.map { category in
                    category.sensitive
                        ? "<span class=\"sensitive\">\(e(category.text))<span class=\"tag\">\(t("spesifik", "sensitive"))</span></span>"
                        : e(category.text)
                }.joined(separator: "<br>")
                let sameDay = text.day(use.first) == text.day(use.last)
                let when = use.disclosures == 1
                    ? t("1 kali, pada \(text.day(use.first))", "once, on \(text.day(use.first))")
                    : sameDay
                    ? t("\(use.disclosures) kali, pada \(text.day(use.first))", "\(use.disclosures) times, on \(text.day(use.first))")
                    : t("\(use.disclosures) kali, dari \(text.day(use.first)) sampai \(text.day(use.last))",
                        "\(use.disclosures) times, from \(text.day(use.first)) to \(text.day(use.last))")
                out += """
                    <table>
                    <tr><th>\(t("Tujuan", "Purpose"))</th><td>\(e(use.purposeText))</td></tr>
                    <tr><th>\(t("Dasar hukum", "Legal basis"))</th><td>\(e(use.legalBasisText))</td></tr>
                    \(use.transferBasis.map { "<tr><th>\(t("Dasar transfer", "Transfer basis"))</th><td>\(e($0))</td></tr>" } ?? "")
                    <tr><th>\(t("Jenis data", "Kinds of data"))</th><td>\(categories)</td></tr>
                    <tr><th>\(t("Kapan", "When"))</th><td>\(e(when))</td></tr>
                    <tr><th>\(t("Masa simpan", "Kept for"))</th><td>\(e(use.retention))</td></tr>
                    </table>

                    """
            }
            if !recipient.erasures.isEmpty {
                out += "<div><strong>\(t("Penghapusan", "Erasure"))</strong><ul class=\"erasure\">"
                for erasure in recipient.erasures { out += "<li>\(e(erasure.text))</li>" }
                out += "</ul></div>\n"
            }
            out += "</section>\n"
        }
        if !otherErasures.isEmpty {
            out += "<h2>\(t("Penghapusan di penerima lain", "Erasure at other recipients"))</h2><ul class=\"erasure\">"
            for other in otherErasures { out += "<li>\(e(other.partner)): \(e(other.erasure.text))</li>" }
            out += "</ul>\n"
        }
        out += "<h2>\(t("Persetujuan Anda", "Your consents"))</h2>\n"
        if consents.isEmpty {
            out += "<p>\(t("Tidak ada persetujuan yang tercatat.", "No consent is recorded."))</p>\n"
        } else {
            out += "<table><tr><th>\(t("Penerima", "Recipient"))</th><th>\(t("Tujuan", "Purpose"))</th><th>\(t("Status", "Status"))</th></tr>\n"
            for consent in consents {
                out += "<tr><td>\(e(consent.recipient))</td><td>\(e(consent.purposeText))</td><td>\(e(text.consent(consent)))</td></tr>\n"
            }
            out += "</table>\n"
        }
        out += "<h2>\(t("Hak-hak Anda", "Your rights"))</h2>\n<p>\(t("Menurut Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi, Anda berhak:", "Under Indonesia's Personal Data Protection Law (Law 27 of 2022) you have the right:"))</p>\n<ul class=\"rights\">"
        for right in text.rights { out += "<li><strong>\(e(right.title))</strong> \(e(right.text))</li>" }
        out += "</ul>\n<p>\(e(text.howToUse(controller)))</p>\n"
        if let address = controller?.address { out += "<p class=\"meta\">\(e(controller?.name ?? "")), \(e(address))</p>\n" }
        out += "<footer>\(t("Kunci subjek di catatan pengungkapan", "Subject key in the disclosure records")): \(e(subjectKey))</footer>\n</body></html>\n"
        return out
    }
}
