import Foundation
import MingatePolicy

/// Every word of the access report that is not from the policy, in Bahasa Indonesia and English, and the dates as a
/// person reads them (Western Indonesia Time, the month in words). Kept in one place so both languages say the same.
struct ReportText: Sendable {
    let language: AccessReport.Language

    func t(_ id: String, _ en: String) -> String { language == .id ? id : en }

    /// The policy's text in this language; the English one when no translation is written.
    func pick(_ en: String?, _ id: String?) -> String? {
        language == .id ? (id ?? en) : (en ?? id)
    }

    var title: String { t("Laporan akses data pribadi", "Personal data access report") }

    func summary(recipients: Int) -> String {
        switch recipients {
        case 0:
            t("Menurut catatan pengungkapan kami, data pribadi Anda belum pernah dibagikan kepada pihak ketiga.",
              "According to our disclosure records, your personal data has not been shared with any third party.")
        case 1:
            t("Data pribadi Anda telah dibagikan kepada 1 penerima.", "Your personal data was shared with 1 recipient.")
        default:
            t("Data pribadi Anda telah dibagikan kepada \(recipients) penerima.", "Your personal data was shared with \(recipients) recipients.")
        }
    }

    func legalBasis(_ code: String) -> String {
        switch code {
        case "contract":
            t("Perjanjian: diperlukan untuk melaksanakan perjanjian dengan Anda, misalnya pesanan Anda (UU PDP Pasal 20 ayat 2 huruf b).",
              "Contract: needed to carry out our agreement with you, such as your order (UU PDP Art. 20(2)(b)).")
        case "consent":
            t("Persetujuan: Anda memberikan persetujuan yang sah dan dapat menariknya kapan saja (UU PDP Pasal 20 ayat 2 huruf a).",
              "Consent: you gave your consent, and you may withdraw it at any time (UU PDP Art. 20(2)(a)).")
        case "legal_obligation":
            t("Kewajiban hukum: diwajibkan oleh peraturan perundang-undangan (UU PDP Pasal 20 ayat 2 huruf c).",
              "Legal obligation: required by law (UU PDP Art. 20(2)(c)).")
        case "vital_interest":
            t("Kepentingan vital: untuk melindungi kepentingan vital Anda (UU PDP Pasal 20 ayat 2 huruf d).",
              "Vital interest: to protect your vital interests (UU PDP Art. 20(2)(d)).")
        case "public_task":
            t("Tugas umum: untuk tugas demi kepentingan umum atau kewenangan resmi (UU PDP Pasal 20 ayat 2 huruf e).",
              "Public task: for a task in the public interest or official authority (UU PDP Art. 20(2)(e)).")
        case "legitimate_interest":
            t("Kepentingan yang sah: kepentingan sah kami, dengan memperhatikan hak Anda (UU PDP Pasal 20 ayat 2 huruf f).",
              "Legitimate interest: our legitimate interest, weighed against your rights (UU PDP Art. 20(2)(f)).")
        default:
            code
        }
    }

    func erasure(_ status: ErasureStatus) -> String {
        let when = date(status.at)
        switch status.state {
        case .sent:
            return t("Permintaan penghapusan Anda dikirim ke penerima dan diterima pada \(when).",
                     "Your erasure request was sent to the recipient and accepted on \(when).")
        case .failed:
            return t("Pengiriman permintaan penghapusan Anda gagal pada \(when); kami akan mengirimnya lagi.",
                     "Sending your erasure request failed on \(when); we will send it again.")
        case .noticePending:
            return t("Permintaan penghapusan Anda sedang disiapkan: petugas pelindungan data kami akan mengirim pemberitahuan kepada penerima.",
                     "Your erasure request is being prepared: our data protection officer will send the recipient a notice.")
        case .noticeSent:
            let via = status.detail.flatMap { detail in
                detail.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("via ") }
            }.map { String($0.dropFirst(4)) }
            return t("Pemberitahuan penghapusan dikirim kepada penerima pada \(when)\(via.map { " (\($0))" } ?? "").",
                     "An erasure notice was sent to the recipient on \(when)\(via.map { " (\($0))" } ?? "").")
        case .noChannel:
            return t("Penerima ini belum memiliki saluran penghapusan; petugas pelindungan data kami akan menghubunginya.",
                     "This recipient has no erasure channel yet; our data protection officer will contact them.")
        }
    }

    func consent(_ consent: AccessReport.Consent) -> String {
        let kind: String
        switch consent.kind {
        case .purpose: kind = t("untuk tujuan ini", "for this purpose")
        case .transfer: kind = t("untuk transfer ke luar Indonesia", "for a transfer outside Indonesia")
        case .guardian: kind = t("sebagai wali untuk anak", "as guardian of a child")
        }
        return consent.state == .granted
            ? t("Diberikan \(kind) pada \(date(consent.at))", "Given \(kind) on \(date(consent.at))")
            : t("Ditarik \(kind) pada \(date(consent.at))", "Withdrawn \(kind) on \(date(consent.at))")
    }

    struct Right: Sendable {
        let title: String
        let text: String
    }

    /// The person's rights under UU PDP (Law 27 of 2022), Articles 5 to 13.
    var rights: [Right] {
        [
            Right(title: t("Mendapat informasi", "To be informed"),
                  text: t("tentang identitas kami, tujuan, dasar hukum, dan penerima data Anda (Pasal 5).",
                          "about who we are, why and on what legal basis your data is used, and who receives it (Art. 5).")),
            Right(title: t("Mengakses dan memperoleh salinan", "Access and a copy"),
                  text: t("data pribadi Anda, seperti laporan ini (Pasal 7).", "of your personal data, such as this report (Art. 7).")),
            Right(title: t("Memperbaiki", "Correction"),
                  text: t("data yang salah atau tidak lengkap (Pasal 6).", "of data that is wrong or incomplete (Art. 6).")),
            Right(title: t("Mengakhiri pemrosesan dan menghapus", "Erasure"),
                  text: t("data Anda; kami memberitahukan setiap penerima di atas (Pasal 8).",
                          "of your data; we tell every recipient above (Art. 8).")),
            Right(title: t("Menarik persetujuan", "Withdraw consent"),
                  text: t("kapan saja; berlaku untuk pengiriman berikutnya (Pasal 9).", "at any time; it applies to the very next transfer (Art. 9).")),
            Right(title: t("Keberatan atas keputusan otomatis", "Object to automated decisions"),
                  text: t("yang berdampak hukum atau signifikan bagi Anda (Pasal 10).", "that have legal or similarly significant effects on you (Art. 10).")),
            Right(title: t("Menunda atau membatasi pemrosesan", "Restrict processing"),
                  text: t("secara proporsional dengan tujuannya (Pasal 11).", "in proportion to its purpose (Art. 11).")),
            Right(title: t("Menggugat dan menerima ganti rugi", "Complain and claim compensation"),
                  text: t("atas pelanggaran pemrosesan data pribadi Anda (Pasal 12).", "for a breach in the processing of your personal data (Art. 12).")),
        ]
    }

    func howToUse(_ controller: Controller?) -> String {
        guard let controller else {
            return t("Hubungi layanan pelanggan kami untuk menggunakan hak-hak ini.", "Contact our customer service to use these rights.")
        }
        let email = controller.dpoEmail.map { t(" melalui e-mail \($0)", " by e-mail at \($0)") } ?? ""
        let reply = controller.replyWithinDays.map {
            t(" Kami akan menjawab dalam \($0) hari setelah memverifikasi identitas Anda.",
              " We reply within \($0) days of verifying your identity.")
        } ?? ""
        return t("Hubungi petugas pelindungan data pribadi \(controller.name)\(email), dengan menyebutkan nomor referensi laporan ini.\(reply) Jika Anda tidak puas dengan jawaban kami, Anda dapat mengadu kepada lembaga pengawas pelindungan data pribadi atau Kementerian Komunikasi dan Digital.",
                 "Contact \(controller.name)'s personal data protection officer\(email), quoting this report's reference.\(reply) If you are not satisfied with our answer, you may complain to the personal data protection authority or the Ministry of Communication and Digital Affairs.")
    }

    func country(_ code: String) -> String {
        let names: [String: (id: String, en: String)] = [
            "ID": ("Indonesia", "Indonesia"), "SG": ("Singapura", "Singapore"), "MY": ("Malaysia", "Malaysia"),
            "NG": ("Nigeria", "Nigeria"), "US": ("Amerika Serikat", "United States"), "NL": ("Belanda", "Netherlands"),
            "IE": ("Irlandia", "Ireland"), "DE": ("Jerman", "Germany"), "GB": ("Inggris", "United Kingdom"),
            "JP": ("Jepang", "Japan"), "CN": ("Tiongkok", "China"), "AU": ("Australia", "Australia"), "IN": ("India", "India"),
        ]
        guard let name = names[code] else { return code }
        return language == .id ? name.id : name.en
    }

    static let monthsID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"]
    static let monthsEN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    /// `2026-11-25T07:05:12.123Z` as `25 November 2026 pukul 14.05 WIB` / `25 November 2026, 14:05 WIB`. The
    /// ledger's times are UTC; the person reads Western Indonesia Time (UTC+7).
    func date(_ iso: String) -> String {
        guard let instant = LedgerEncoding.date(iso) else { return iso }
        var seconds = time_t(instant.timeIntervalSince1970.rounded(.down)) + 7 * 3600
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let (day, month, year) = (Int(parts.tm_mday), Int(parts.tm_mon), Int(parts.tm_year) + 1900)
        let hh = String(format: "%02d", parts.tm_hour), mm = String(format: "%02d", parts.tm_min)
        return language == .id
            ? "\(day) \(Self.monthsID[month]) \(year) pukul \(hh).\(mm) WIB"
            : "\(day) \(Self.monthsEN[month]) \(year), \(hh):\(mm) WIB"
    }

    /// The date only, for a range of disclosures.
    func day(_ iso: String) -> String {
        let full = date(iso)
        if let range = full.range(of: language == .id ? " pukul" : ",") { return String(full[..<range.lowerBound]) }
        return full
    }
}
